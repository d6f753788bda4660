/**
 * The three sink formats: driftwatch's own JSON (generic webhook, optionally signed), Slack's
 * incoming-webhook messages (Block Kit) and PagerDuty Events API v2. Pure: secrets come in as
 * arguments, read by the delivery activity from the environment at send time.
 */
import type { AlertConfig } from '../config';
import { formatScore } from '../number-format';

/** A route with the URL it posts to resolved (a Slack URL may come from the environment). */
export type SendableRoute = AlertConfig & { url: string };
import type { AlertEvent, AlertSeverity, WebhookPayload } from './payload';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, signBody } from './signature';

export interface SinkRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

const HEADLINES: Record<AlertEvent, string> = {
  drift_detected: 'Drift detected',
  drift_resolved: 'Drift resolved',
  retrain_failed: 'Retrain failed',
  retrain_cancelled: 'Retrain cancelled',
  model_promoted: 'New champion promoted',
  model_rejected: 'Challenger rejected',
  approval_required: 'Promotion waits for approval',
  monitor_blind: 'Drift monitor is blind',
  retraining_not_helping: 'Retraining is not helping',
};

/** A resolve of an event that has no resolved event of its own (drift has drift_resolved). */
const RECOVERED_HEADLINES: Partial<Record<AlertEvent, string>> = {
  monitor_blind: 'Drift monitor sees again',
};

const SLACK_EMOJI: Record<AlertEvent, string> = {
  drift_detected: ':warning:',
  drift_resolved: ':white_check_mark:',
  retrain_failed: ':x:',
  retrain_cancelled: ':octagonal_sign:',
  model_promoted: ':trophy:',
  model_rejected: ':no_entry_sign:',
  approval_required: ':raising_hand:',
  monitor_blind: ':see_no_evil:',
  retraining_not_helping: ':raising_hand:',
};

export function headline(payload: Pick<WebhookPayload, 'event' | 'model' | 'status'>): string {
  const recovered = payload.status === 'resolved' ? RECOVERED_HEADLINES[payload.event] : undefined;
  return `${recovered ?? HEADLINES[payload.event]}: ${payload.model}`;
}

function emoji(payload: Pick<WebhookPayload, 'event' | 'status'>): string {
  return payload.status === 'resolved' && RECOVERED_HEADLINES[payload.event] ? ':white_check_mark:' : SLACK_EMOJI[payload.event];
}

interface FeatureFact {
  feature: string; test?: string; scoreKind?: string; score?: number | null; threshold?: number; psi?: number | null; status?: string;
}

/**
 * The numbers of an alert as short lines: each drifted feature with its score against its
 * threshold, and each metric before (champion) and after (challenger).
 */
export function factLines(details: Record<string, unknown>): string[] {
  const lines: string[] = [];
  const features = Array.isArray(details.features) ? (details.features as FeatureFact[]) : [];
  for (const f of features) {
    const score = typeof f.score === 'number'
      ? `${f.scoreKind === 'p_value' ? 'p' : 'score'} ${formatScore(f.score)}${typeof f.threshold === 'number' ? ` (threshold ${formatScore(f.threshold)})` : ''}`
      : `no score${f.status ? ` (${f.status})` : ''}`;
    const psi = typeof f.psi === 'number' ? `, PSI ${formatScore(f.psi)}` : '';
    lines.push(`${f.feature}: ${f.test ?? 'test'} ${score}${psi}`);
  }
  const metrics = details.metrics as { challenger?: Record<string, number>; champion?: Record<string, number> | null } | undefined;
  if (metrics && typeof metrics === 'object' && metrics.challenger) {
    for (const [name, after] of Object.entries(metrics.challenger)) {
      const before = metrics.champion?.[name];
      lines.push(`${name}: ${typeof before === 'number' ? formatScore(before) : 'none'} → ${formatScore(after)}`);
    }
  }
  return lines;
}

/** driftwatch's own JSON; signed when the route names a secret (HMAC-SHA256 over `<timestamp>.<body>`). */
export function webhookRequest(route: SendableRoute, payload: WebhookPayload, secret: string | null, now: Date): SinkRequest {
  const body = JSON.stringify(payload);
  const headers: Record<string, string> = { 'x-driftwatch-event': payload.event, 'x-driftwatch-alert-key': payload.alertKey };
  if (secret !== null) {
    const timestamp = Math.floor(now.getTime() / 1000);
    headers[TIMESTAMP_HEADER] = String(timestamp);
    headers[SIGNATURE_HEADER] = signBody(secret, timestamp, body);
  }
  return { url: route.url, headers, body };
}

const truncate = (text: string, max: number): string => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

/**
 * Slack reads `<`, `>` and `&` as markup (`<!channel>` notifies everyone, `<url|label>` disguises a
 * link), so every text that comes from configs or data (model and feature names, reasons) is
 * escaped as Slack asks, and cut to Slack's limits after escaping, never inside an entity.
 */
function slackText(text: string, max = Infinity): string {
  const escaped = text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
  return escaped.length <= max ? escaped : `${escaped.slice(0, max - 1).replace(/&[a-z]*$/, '')}…`;
}

/** Slack's limits: 150 characters in a header, 3000 in a section's text. */
const SLACK_HEADER_CHARS = 150;
const SLACK_SECTION_CHARS = 3000;

export function slackRequest(route: SendableRoute, payload: WebhookPayload): SinkRequest {
  const title = `${emoji(payload)} ${headline(payload)}`;
  const facts = factLines(payload.details);
  const links = [`<${slackText(payload.links.workflow)}|Temporal workflow>`];
  if (payload.links.driftReport) links.push(`<${slackText(payload.links.driftReport)}|Drift report #${payload.driftReportId}>`);
  else if (payload.driftReportId !== null) links.push(`drift report #${payload.driftReportId}`);
  const blocks: object[] = [
    { type: 'header', text: { type: 'plain_text', text: slackText(title, SLACK_HEADER_CHARS), emoji: true } },
    { type: 'section', text: { type: 'mrkdwn', text: slackText(payload.summary, SLACK_SECTION_CHARS) } },
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: `*Model*\n${slackText(payload.model)}` },
        { type: 'mrkdwn', text: `*Severity*\n${payload.severity}${payload.status === 'resolved' ? ' (resolved)' : ''}` },
      ],
    },
  ];
  if (facts.length > 0) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: slackText(facts.map((line) => `• ${line}`).join('\n'), SLACK_SECTION_CHARS) } });
  }
  const context = [...links, ...(payload.incident ? [`incident \`${slackText(payload.incident.dedupKey)}\``] : [])].join(' · ');
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: context }] });
  // `text` is what notifications and clients without Block Kit show.
  return { url: route.url, headers: {}, body: JSON.stringify({ text: slackText(`${title}: ${payload.summary}`), blocks }) };
}

const PAGERDUTY_SEVERITY: Record<AlertSeverity, string> = { info: 'info', warning: 'warning', error: 'error', critical: 'critical' };

/**
 * PagerDuty Events API v2. A drift incident or a blind episode triggers and resolves with its own
 * dedup key; any other event is its own alert, keyed by the workflow run and event (a retry of the
 * delivery is deduplicated).
 */
export function pagerDutyRequest(route: SendableRoute, payload: WebhookPayload, routingKey: string): SinkRequest {
  const dedupKey = payload.incident?.dedupKey ?? `driftwatch/${payload.model}/${payload.event}/${payload.alertKey}`;
  if (payload.incident?.action === 'resolve') {
    return { url: route.url, headers: {}, body: JSON.stringify({ routing_key: routingKey, event_action: 'resolve', dedup_key: dedupKey }) };
  }
  const links = [{ href: payload.links.workflow, text: 'Temporal workflow' }];
  if (payload.links.driftReport) links.push({ href: payload.links.driftReport, text: `Drift report #${payload.driftReportId}` });
  const body = {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: dedupKey,
    payload: {
      summary: truncate(`${headline(payload)}: ${payload.summary}`, 1024),
      source: `driftwatch/${payload.model}`,
      severity: PAGERDUTY_SEVERITY[payload.severity],
      timestamp: payload.sentAt,
      component: payload.model,
      group: 'driftwatch',
      class: payload.event,
      custom_details: { facts: factLines(payload.details), driftReportId: payload.driftReportId, ...payload.details },
    },
    links,
    client: 'driftwatch',
    client_url: payload.links.workflow,
  };
  return { url: route.url, headers: {}, body: JSON.stringify(body) };
}
