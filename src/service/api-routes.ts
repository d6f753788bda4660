/**
 * The /api/v1 routes. Each one declares the role it needs (config.role, enforced by the auth hook in
 * ./server), reads through the same store functions as the CLI and operates through src/operations.
 */
import type { Readable } from 'node:stream';
import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { routeTarget } from '../alerts/routes';
import { parseModelConfig } from '../config';
import { ingestRows, ingestStream } from '../ingest/ingest';
import { monitoringWindowWarnings } from '../monitoring/window-warnings';
import * as operations from '../operations';
import type { Settings } from '../settings';
import { listDeliveries } from '../store/alert-deliveries';
import { createApiKey, revokeApiKey } from '../store/api-keys';
import type { Db } from '../store/db';
import { getDriftReport, listDriftReports } from '../store/drift-reports';
import { listModelNames, loadStoredConfig, saveModelSource } from '../store/models';
import { getChampionVersion, getVersionLineage, listAliases, listVersions } from '../store/registry';
import { listRetrains } from '../store/retrains';
import { listTrials } from '../store/trials';
import { scheduleText } from '../schedules';
import type { Role } from './api-keys';
import { HttpError } from './http-errors';
import * as s from './schemas';

export interface ApiDeps { db: Db; client: Client; settings: Settings }

/** Media types of row bodies streamed through the CLI's file ingestion path, by the format it reads. */
export const STREAMED_ROW_TYPES = { 'text/csv': 'csv', 'application/x-ndjson': 'jsonl' } as const;
/** Media types of a model file sent as text. */
export const CONFIG_TEXT_TYPES = ['application/yaml', 'text/yaml'] as const;

const errors = (...statuses: number[]) => Object.fromEntries(statuses.map((status) => [status, s.errorBody]));
/** Every /api route: a bad parameter, a missing or unknown key, a role too low. */
const READ_ERRORS = [400, 401, 403] as const;

export async function apiRoutes(root: FastifyInstance, deps: ApiDeps): Promise<void> {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const { db, settings } = deps;
  const operationContext: operations.OperationContext = { settings, db: async () => db, client: async () => deps.client };
  const role = (needed: Role) => ({ role: needed });
  const requester = (request: { apiKey?: { name: string } }) => `api key ${request.apiKey?.name ?? '?'}`;

  // ---- read ------------------------------------------------------------------------------------

  app.get('/api/v1/models', {
    config: role('read'),
    schema: { operationId: 'listModels', tags: ['read'], response: { 200: z.array(s.modelListItem), ...errors(...READ_ERRORS) } },
  }, async () => {
    const models = [];
    for (const name of await listModelNames(db)) {
      const config = await loadStoredConfig(db, name);
      models.push({ model: name, task: config.task, features: config.features.length, champion: await getChampionVersion(db, name) });
    }
    return models;
  });

  app.get('/api/v1/models/:model', {
    config: role('read'),
    schema: { operationId: 'getModel', tags: ['read'], params: s.modelParams, response: { 200: s.modelDetail, ...errors(...READ_ERRORS, 404, 409) } },
  }, async (request) => {
    const { model } = request.params;
    const config = await loadStoredConfig(db, model);
    return {
      model, task: config.task, label: config.label, eventTime: config.eventTime,
      champion: await getChampionVersion(db, model),
      aliases: await listAliases(db, model),
      features: config.features.map((f) => ({ name: f.name, kind: f.kind, test: f.drift.test, threshold: f.drift.threshold })),
      monitoring: { schedule: scheduleText(config.monitoring.schedule), minRows: config.monitoring.minRows },
      promotionMetric: config.promotion.metric,
      approvalRequired: config.approval !== null,
      // routeTarget names a route without its credentials (a Slack webhook URL is one).
      alerts: config.alerts.map((route) => ({ target: routeTarget(route), events: route.events })),
    };
  });

  app.get('/api/v1/models/:model/versions', {
    config: role('read'),
    schema: { operationId: 'listVersions', tags: ['read'], params: s.modelParams, response: { 200: z.array(s.versionSummary), ...errors(...READ_ERRORS, 404) } },
  }, async (request) => {
    await knownModel(db, request.params.model);
    return listVersions(db, request.params.model);
  });

  app.get('/api/v1/models/:model/versions/:version', {
    config: role('read'),
    schema: { operationId: 'getVersion', tags: ['read'], params: s.versionParams, response: { 200: s.versionLineage, ...errors(...READ_ERRORS, 404) } },
  }, async (request) => {
    const { model, version } = request.params;
    await knownModel(db, model);
    const lineage = await getVersionLineage(db, model, version);
    if (!lineage) throw new HttpError(404, 'not_found', `model '${model}' has no version ${version}`, 'version');
    return lineage;
  });

  app.get('/api/v1/models/:model/drift-reports', {
    config: role('read'),
    schema: {
      operationId: 'listDriftReports', tags: ['read'], params: s.modelParams, querystring: s.limitQuery,
      response: { 200: z.array(s.driftReport), ...errors(...READ_ERRORS, 404) },
    },
  }, async (request) => {
    await knownModel(db, request.params.model);
    return listDriftReports(db, request.params.model, request.query.limit);
  });

  app.get('/api/v1/drift-reports/:id', {
    config: role('read'),
    schema: { operationId: 'getDriftReport', tags: ['read'], params: s.reportParams, response: { 200: s.driftReport, ...errors(...READ_ERRORS, 404) } },
  }, async (request) => {
    const report = await getDriftReport(db, request.params.id);
    if (!report) throw new HttpError(404, 'not_found', `no drift report ${request.params.id}`, 'id');
    return report;
  });

  app.get('/api/v1/models/:model/retrains', {
    config: role('read'),
    schema: {
      operationId: 'listRetrains', tags: ['read'], params: s.modelParams, querystring: s.limitQuery,
      response: { 200: z.array(s.retrainSummary), ...errors(...READ_ERRORS, 404) },
    },
  }, async (request) => {
    await knownModel(db, request.params.model);
    // Newest first, like the other lists (the store lists them in the order they started).
    return (await listRetrains(db, request.params.model)).reverse().slice(0, request.query.limit);
  });

  app.get('/api/v1/models/:model/trials', {
    config: role('read'),
    schema: {
      operationId: 'listTrials', tags: ['read'], params: s.modelParams, querystring: s.trialsQuery,
      response: { 200: z.array(s.trial), ...errors(...READ_ERRORS, 404) },
    },
  }, async (request) => {
    await knownModel(db, request.params.model);
    const { retrain } = request.query;
    return listTrials(db, request.params.model, { ...(retrain === undefined ? {} : { retrainId: retrain }), limitRuns: 1 });
  });

  app.get('/api/v1/models/:model/alerts', {
    config: role('read'),
    schema: {
      operationId: 'listAlertDeliveries', tags: ['read'], params: s.modelParams, querystring: s.limitQuery,
      response: { 200: z.array(s.alertDelivery), ...errors(...READ_ERRORS, 404) },
    },
  }, async (request) => {
    await knownModel(db, request.params.model);
    return listDeliveries(db, request.params.model, request.query.limit);
  });

  // ---- operate ---------------------------------------------------------------------------------

  app.post('/api/v1/models/:model/rows', {
    config: role('operate'),
    bodyLimit: settings.serviceIngestMaxBytes,
    schema: {
      operationId: 'ingestRows', tags: ['operate'], params: s.modelParams,
      description: 'Validates and stores rows: a JSON array of objects, or a CSV (with a header row) or JSON-lines body, streamed. '
        + 'Rows that fail validation are rejected one by one; the rest are stored.',
      body: {
        content: {
          'application/json': { schema: s.ingestRowsBody },
          ...Object.fromEntries(Object.keys(STREAMED_ROW_TYPES).map((type) => [type, { schema: z.any() }])),
        },
      },
      response: { 200: s.ingestReport, ...errors(...READ_ERRORS, 404, 409, 413, 415) },
    },
  }, async (request) => {
    const { model } = request.params;
    const format = STREAMED_ROW_TYPES[mediaType(request.headers['content-type']) as keyof typeof STREAMED_ROW_TYPES];
    if (format !== undefined) return ingestStream(db, model, request.body as Readable, { format, source: `api ${format}` });
    // Without a content type Fastify reads no body, and validates none.
    if (!Array.isArray(request.body)) throw new HttpError(400, 'invalid_request', 'the body is the rows: a JSON array, CSV (text/csv) or JSON lines (application/x-ndjson)', 'body');
    return ingestRows(db, model, request.body as Record<string, unknown>[], { source: 'api' });
  });

  app.post('/api/v1/models/:model/checks', {
    config: role('operate'),
    schema: {
      operationId: 'checkDrift', tags: ['operate'], params: s.modelParams,
      description: "A drift check now, through the model's monitor workflow (as `driftwatch check` and a schedule tick do).",
      response: { 200: s.driftCheckResult, ...errors(...READ_ERRORS, 404, 409) },
    },
  }, async (request) => operations.requestDriftCheck(operationContext, request.params.model, { source: 'api', requestedBy: requester(request) }));

  app.post('/api/v1/models/:model/retrains', {
    config: role('operate'),
    schema: {
      operationId: 'startRetrain', tags: ['operate'], params: s.modelParams, body: s.retrainRequest,
      description: 'Starts a retrain: a bootstrap when the model has no champion, else a manual one. 409 while one runs.',
      response: { 202: s.startedRetrain, ...errors(...READ_ERRORS, 404, 409) },
    },
  }, async (request, reply) => {
    const { handle: _handle, ...started } = await operations.startRetrain(operationContext, request.params.model, {
      requestedBy: requester(request), ...(request.body.reason === undefined ? {} : { reason: request.body.reason }),
    });
    return reply.code(202).send(started);
  });

  for (const verdict of ['approve', 'reject'] as const) {
    app.post(`/api/v1/models/:model/versions/:version/${verdict}`, {
      config: role('operate'),
      schema: {
        operationId: `${verdict}Version`, tags: ['operate'], params: s.versionParams, body: s.approvalRequest,
        description: `${verdict === 'approve' ? 'Approves' : 'Rejects'} the challenger that awaits approval; 409 when this version does not.`,
        response: { 200: s.approvalAnswer, ...errors(...READ_ERRORS, 404, 409) },
      },
    }, async (request) => {
      const { model, version } = request.params;
      return operations.decideApproval(operationContext, model, verdict, {
        version, approver: requester(request), ...(request.body.reason === undefined ? {} : { reason: request.body.reason }),
      });
    });
  }

  // ---- admin -----------------------------------------------------------------------------------

  app.post('/api/v1/models/:model/rollback', {
    config: role('admin'),
    schema: {
      operationId: 'rollback', tags: ['admin'], params: s.modelParams, body: s.rollbackRequest,
      description: 'Moves the champion back (default: to the previous champion) through the rollbackWorkflow. '
        + 'A version that was rejected or failed its evaluation needs force and a reason (409 otherwise).',
      response: { 200: s.rollbackResult, ...errors(...READ_ERRORS, 404, 409) },
    },
  }, async (request) => {
    const { to, reason, force } = request.body;
    return operations.rollback(operationContext, request.params.model, {
      requestedBy: requester(request),
      ...(to === undefined ? {} : { toVersion: to }), ...(reason === undefined ? {} : { reason }), ...(force ? { force: true } : {}),
    });
  });

  app.put('/api/v1/models/:model/config', {
    config: role('admin'),
    bodyLimit: settings.configMaxBytes,
    schema: {
      operationId: 'registerConfig', tags: ['admin'], params: s.modelParams,
      description: 'Registers the model file (as `driftwatch models register`): YAML text, or its JSON. Its `model` must be the one in the path.',
      body: {
        content: {
          'application/json': { schema: s.configBody },
          ...Object.fromEntries(CONFIG_TEXT_TYPES.map((type) => [type, { schema: z.string() }])),
        },
      },
      response: { 200: s.registeredConfig, 201: s.registeredConfig, ...errors(...READ_ERRORS, 413, 415) },
    },
  }, async (request, reply) => {
    const { model } = request.params;
    if (request.body === undefined || request.body === null) throw new HttpError(400, 'invalid_request', 'the body is the model file: YAML text, or its JSON', 'body');
    const text = typeof request.body === 'string' ? request.body : JSON.stringify(request.body, null, 2);
    const source = { text, config: parseModelConfig(text, `sent for model '${model}'`) };
    if (source.config.model !== model) {
      throw new HttpError(400, 'invalid_config', `the config is for model '${source.config.model}', not '${model}' (the path's)`, 'model');
    }
    const existed = (await listModelNames(db)).includes(model);
    await saveModelSource(db, source);
    const warnings = await monitoringWindowWarnings(db, source.config);
    return reply.code(existed ? 200 : 201).send({ model, created: !existed, warnings });
  });

  app.post('/api/v1/keys', {
    config: role('admin'),
    schema: {
      operationId: 'createKey', tags: ['admin'], body: s.keyRequest,
      description: 'Creates an API key; the response is the only time the key is shown.',
      response: { 201: s.createdKey, ...errors(...READ_ERRORS) },
    },
  }, async (request, reply) => {
    const created = await createApiKey(db, { ...request.body, createdBy: requester(request) });
    return reply.code(201).send(created);
  });

  app.delete('/api/v1/keys/:id', {
    config: role('admin'),
    schema: { operationId: 'revokeKey', tags: ['admin'], params: s.keyParams, response: { 200: s.apiKey, ...errors(...READ_ERRORS, 404) } },
  }, async (request) => {
    const revoked = await revokeApiKey(db, request.params.id);
    if (!revoked) throw new HttpError(404, 'not_found', `no API key ${request.params.id}`, 'id');
    return revoked;
  });
}

/** Fails with 404 for a model that is not registered. */
async function knownModel(db: Db, model: string): Promise<void> {
  await loadStoredConfig(db, model);
}

function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}
