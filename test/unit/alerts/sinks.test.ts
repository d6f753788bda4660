import { describe, expect, it } from 'vitest';
import { normaliseRoute } from '../../../src/alerts/routes';
import type { AlertConfig } from '../../../src/config';
import { buildWebhookPayload, type AlertRequest } from '../../../src/alerts/payload';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifySignature } from '../../../src/alerts/signature';
import { factLines, pagerDutyRequest, slackRequest, webhookRequest } from '../../../src/alerts/sinks';

const NOW = new Date('2026-03-05T12:00:00Z');
/** Every route of these tests has its URL in the config. */
const sendable = (route: Partial<AlertConfig> & { url: string }) => ({ ...normaliseRoute(route), url: route.url });
const drift: AlertRequest = {
  alertKey: 'monitor-m/run-1/drift_detected/incident-7', modelName: 'm', event: 'drift_detected', severity: 'warning',
  summary: 'Drift detected on m', workflowId: 'monitor-m', runId: 'run-1', driftReportId: 7,
  incident: { dedupKey: 'driftwatch/m/drift/7', action: 'trigger' },
  details: { features: [{ feature: 'x1', test: 'ks', scoreKind: 'p_value', score: 0.00001234, threshold: 0.05, psi: 0.4123, drifted: true }] },
};
const links = { workflow: 'http://ui.test/namespaces/default/workflows/monitor-m/run-1/history', driftReport: 'https://reports.test/m/7' };
const payload = buildWebhookPayload(drift, links, NOW);

describe('sink bodies', () => {
  it('states the numbers: drifted features with scores and thresholds, metrics before and after', () => {
    expect(factLines(drift.details)).toEqual(['x1: ks p 1.23e-5 (threshold 0.05), PSI 0.4123']);
    expect(factLines({ metrics: { challenger: { roc_auc: 0.83456, log_loss: 0.4 }, champion: { roc_auc: 0.71, log_loss: 0.5 } } }))
      .toEqual(['roc_auc: 0.71 → 0.8346', 'log_loss: 0.5 → 0.4']);
  });

  it('signs webhook bodies so that the receiver can verify them, and only when a secret is configured', () => {
    const route = sendable({ type: 'webhook', url: 'https://hook.test/x', secretEnv: 'S' });
    const signed = webhookRequest(route, payload, 'k3y', NOW);
    expect(JSON.parse(signed.body)).toMatchObject({ event: 'drift_detected', status: 'firing', links, driftReportId: 7 });
    const headers = { signature: signed.headers[SIGNATURE_HEADER], timestamp: signed.headers[TIMESTAMP_HEADER] };
    expect(headers.signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verifySignature('k3y', headers, signed.body, NOW)).toBe(true);
    expect(verifySignature('other', headers, signed.body, NOW)).toBe(false);
    expect(verifySignature('k3y', headers, `${signed.body} `, NOW)).toBe(false);
    expect(verifySignature('k3y', headers, signed.body, new Date(NOW.getTime() + 600_000))).toBe(false);
    expect(webhookRequest(route, payload, null, NOW).headers[SIGNATURE_HEADER]).toBeUndefined();
  });

  it('formats Slack incoming-webhook messages: fallback text, header, summary, fields, numbers and links', () => {
    const body = JSON.parse(slackRequest(sendable({ type: 'slack', url: 'https://hooks.slack.test/T/B/x' }), payload).body);
    expect(body.text).toBe(':warning: Drift detected: m: Drift detected on m');
    expect(body.blocks.map((b: { type: string }) => b.type)).toEqual(['header', 'section', 'section', 'section', 'context']);
    expect(body.blocks[3].text.text).toBe('• x1: ks p 1.23e-5 (threshold 0.05), PSI 0.4123');
    expect(body.blocks[4].elements[0].text).toContain(`<${links.workflow}|Temporal workflow>`);
    expect(body.blocks[4].elements[0].text).toContain('<https://reports.test/m/7|Drift report #7>');
  });

  it("escapes Slack's markup characters in every text from configs and data, and cuts after escaping", () => {
    const hostile = buildWebhookPayload({
      ...drift,
      summary: `Drift on <!channel> & <https://evil.test|your bank>: ${'<'.repeat(1500)}`,
      details: { features: [{ feature: '<!here>', test: 'ks', scoreKind: 'p_value', score: 0.001, threshold: 0.05 }] },
    }, { ...links, driftReport: 'https://reports.test/d?model=m&report=7' }, NOW);
    const body = JSON.parse(slackRequest(sendable({ type: 'slack', url: 'https://hooks.slack.test/T/B/x' }), hostile).body);
    expect(body.text).toMatch(/^:warning: Drift detected: m: Drift on &lt;!channel&gt; &amp; &lt;https:\/\/evil\.test\|your bank&gt;: (&lt;)+$/);
    const summary: string = body.blocks[1].text.text;
    expect(summary.length).toBeLessThanOrEqual(3000);
    expect(summary).toMatch(/(&lt;)+…$/);
    expect(body.blocks[3].text.text).toBe('• &lt;!here&gt;: ks p 0.001 (threshold 0.05)');
    expect(body.blocks[4].elements[0].text).toContain('<https://reports.test/d?model=m&amp;report=7|Drift report #7>');
    // Nothing Slack would read as a mention or a link is left outside the links driftwatch made.
    expect(JSON.stringify(body.blocks).replaceAll(/<(http:\/\/ui\.test|https:\/\/reports\.test)[^<>]*>/g, '')).not.toMatch(/[<>]/);
  });

  it('triggers and resolves PagerDuty with the incident dedup key', () => {
    const route = sendable({ type: 'pagerduty', url: 'https://events.pd.test/v2/enqueue', routingKeyEnv: 'PD' });
    const trigger = JSON.parse(pagerDutyRequest(route, payload, 'R0UT1NG').body);
    expect(trigger).toMatchObject({
      routing_key: 'R0UT1NG', event_action: 'trigger', dedup_key: 'driftwatch/m/drift/7',
      payload: { severity: 'warning', source: 'driftwatch/m', component: 'm', class: 'drift_detected', timestamp: NOW.toISOString() },
      links: [{ href: links.workflow, text: 'Temporal workflow' }, { href: links.driftReport, text: 'Drift report #7' }],
    });
    expect(trigger.payload.summary).toBe('Drift detected: m: Drift detected on m');
    const resolved = buildWebhookPayload({ ...drift, event: 'drift_resolved', incident: { dedupKey: 'driftwatch/m/drift/7', action: 'resolve' } }, links, NOW);
    expect(JSON.parse(pagerDutyRequest(route, resolved, 'R0UT1NG').body)).toEqual({
      routing_key: 'R0UT1NG', event_action: 'resolve', dedup_key: 'driftwatch/m/drift/7',
    });
  });
});
