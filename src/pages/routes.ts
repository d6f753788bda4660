/**
 * The pages as routes of the service: HTML readable without JavaScript, with a Content-Security-Policy
 * that allows no script at all (the charts are inline SVG drawn on the server) and only the one stylesheet.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { MODEL_NAME_PATTERN } from '../config';
import type { Db } from '../store/db';
import { renderDriftReportPage } from './drift-report-page';
import { escapeHtml, page, PAGE_CSS } from './html';
import { loadDriftReportPage, loadModelPage, loadRetrainPage } from './load';
import { renderModelPage } from './model-page';
import { modelPath, reportPath, retrainPath } from './paths';
import { renderRetrainPage } from './retrain-page';

/** drift_reports.id is a bigserial: a positive integer that a JavaScript number holds exactly. */
const REPORT_ID_PATTERN = /^[1-9]\d{0,14}$/;
/** Retrain IDs are Temporal run IDs (UUIDs); this admits any ID such a system could give, and nothing that needs escaping in a URL. */
const RETRAIN_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

export function contentSecurityPolicy(): string {
  const styleHash = createHash('sha256').update(PAGE_CSS).digest('base64');
  return [
    "default-src 'none'", `style-src 'sha256-${styleHash}'`, "img-src 'self' data:", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
  ].join('; ');
}

export async function pageRoutes(app: FastifyInstance, deps: { db: Db; publicUrl: string }): Promise<void> {
  const policy = contentSecurityPolicy();
  const publicUrl = deps.publicUrl.replace(/\/+$/, '');
  const send = (reply: FastifyReply, status: number, html: string) => reply
    .code(status)
    .header('Content-Type', 'text/html; charset=utf-8')
    .header('Content-Security-Policy', policy)
    .header('X-Content-Type-Options', 'nosniff')
    .header('Referrer-Policy', 'no-referrer')
    .send(html);
  const problem = (reply: FastifyReply, status: 400 | 404, heading: string, detail: string) =>
    send(reply, status, page(heading, `<h1>${escapeHtml(heading)}</h1><p>${escapeHtml(detail)}</p>`));

  app.get<{ Params: { id: string } }>('/reports/:id', async (request, reply) => {
    const { id } = request.params;
    if (!REPORT_ID_PATTERN.test(id)) return problem(reply, 400, 'Not a report ID', `'${id}' is not a drift report ID: expected a positive integer, as in ${reportPath(1)}.`);
    const data = await loadDriftReportPage(deps.db, Number(id));
    if (!data) return problem(reply, 404, 'No such drift report', `There is no drift report #${id}.`);
    return send(reply, 200, await renderDriftReportPage(data, `${publicUrl}${reportPath(data.report.id)}`));
  });

  app.get<{ Params: { model: string } }>('/models/:model', async (request, reply) => {
    const { model } = request.params;
    if (!MODEL_NAME_PATTERN.test(model)) {
      return problem(reply, 400, 'Not a model name', `'${model}' is not a model name: expected lowercase letters, digits, '_' or '-' (${MODEL_NAME_PATTERN}).`);
    }
    const data = await loadModelPage(deps.db, model);
    if (!data) return problem(reply, 404, 'No such model', `No model named '${model}' is registered.`);
    return send(reply, 200, await renderModelPage(data, `${publicUrl}${modelPath(model)}`));
  });

  app.get<{ Params: { id: string } }>('/retrains/:id', async (request, reply) => {
    const { id } = request.params;
    if (!RETRAIN_ID_PATTERN.test(id)) return problem(reply, 400, 'Not a retrain ID', `'${id}' is not a retrain ID: expected the retrain's run ID, as 'driftwatch retrains' lists it.`);
    const data = await loadRetrainPage(deps.db, id);
    if (!data) return problem(reply, 404, 'No such retrain', `There is no retrain with the ID '${id}'.`);
    return send(reply, 200, await renderRetrainPage(data, `${publicUrl}${retrainPath(id)}`));
  });
}
