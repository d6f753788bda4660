/**
 * `driftwatch serve`: the HTTP service. One Fastify app with the JSON API under /api/v1 (zod schemas,
 * published as OpenAPI 3 at /openapi.json), the HTML pages, and /healthz. Every request but /healthz
 * and /openapi.json needs an API key (src/service/api-keys.ts); one hook, `authenticate`, decides.
 */
import { createServer } from 'node:net';
import { Transform, pipeline, type Readable } from 'node:stream';
import fastifySwagger from '@fastify/swagger';
import type { Client } from '@temporalio/client';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { version as packageVersion } from '../../package.json';
import { metricsText, METRICS_CONTENT_TYPE } from '../observability/metrics';
import { pageRoutes } from '../pages/routes';
import { serviceUrl, type Settings } from '../settings';
import { checkApiKey, type ApiKeyRecord } from '../store/api-keys';
import type { Db } from '../store/db';
import { bearerKey, cookieValue, roleAllows, type Role } from './api-keys';
import { apiRoutes, CONFIG_TEXT_TYPES, STREAMED_ROW_TYPES } from './api-routes';
import { errorResponse, HttpError } from './http-errors';
import { health } from './schemas';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The least role a route needs; API routes without one need admin. */
    role?: Role;
    /** Answered without a key. */
    public?: boolean;
  }
  interface FastifyRequest {
    /** The key the request was authenticated with. */
    apiKey?: ApiKeyRecord;
  }
}

/** Every body but ingested rows and model files (their own limits, in Settings). */
const DEFAULT_BODY_LIMIT = 1_000_000;
/** A page opened with `?key=` stores the key in this cookie and reloads without it, so the key leaves the address bar and history. */
export const PAGE_KEY_COOKIE = 'driftwatch_key';
const PAGE_KEY_COOKIE_MAX_AGE_S = 12 * 60 * 60;
const HEALTH_DEADLINE_MS = 3_000;

export interface ServiceDeps {
  db: Db;
  client: Client;
  settings: Settings;
  /** The URL people reach the service at, for links in pages; default http://<serviceHost>:<servicePort>. */
  publicUrl?: string;
  /** Request and error logs (JSON lines on stdout); off by default, as in tests. */
  logger?: boolean;
}

export async function buildService(deps: ServiceDeps): Promise<FastifyInstance> {
  const { db, client, settings } = deps;
  const app = Fastify({ bodyLimit: DEFAULT_BODY_LIMIT, logger: deps.logger ? { level: 'info' } : false });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorateRequest('apiKey', undefined);

  // CSV and JSON lines reach the ingest route as a stream, parsed row by row as they arrive.
  app.addContentTypeParser(Object.keys(STREAMED_ROW_TYPES), async (request: FastifyRequest, payload: Readable) =>
    limitedStream(payload, request.routeOptions.bodyLimit ?? DEFAULT_BODY_LIMIT, request.headers['content-length']));
  app.addContentTypeParser([...CONFIG_TEXT_TYPES], { parseAs: 'string' }, (_request, body, done) => done(null, body));

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'driftwatch',
        version: packageVersion,
        description: 'Drift reports, model versions and retrains of driftwatch, and the operations on them. '
          + "Every /api route needs `Authorization: Bearer <key>`; keys are created with 'driftwatch keys create --role read|operate|admin'.",
      },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'a driftwatch API key (dw_...)' } } },
      security: [{ apiKey: [] }],
    },
    transform: transformWithContentTypes,
  });

  const routes: Array<{ method: string; pattern: RegExp }> = [];
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routes.push({ method, pattern: urlPattern(route.url) });
  });

  app.addHook('onRequest', (request, reply) => authenticate(db, request, reply));

  app.setErrorHandler((err, request, reply) => {
    // Fastify refuses some requests before routing (a QUERY without a content type): the method or path is the problem.
    if (request.routeOptions.url === undefined) return noRoute(request, reply);
    const { status, body } = errorResponse(err);
    if (status >= 500) request.log.error({ err }, 'request failed');
    return reply.code(status).send(body);
  });

  /** 405 with Allow for a known path, else 404. */
  const noRoute = (request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split('?')[0]!;
    const allowed = [...new Set(routes.filter((route) => route.pattern.test(path)).map((route) => route.method))];
    if (allowed.length > 0) {
      return reply.code(405).header('allow', allowed.join(', ')).send(
        { error: { code: 'method_not_allowed', message: `${request.method} is not allowed on ${path}; allowed: ${allowed.join(', ')}` } });
    }
    return reply.code(404).send({ error: { code: 'not_found', message: `no route ${request.method} ${path}` } });
  };
  app.setNotFoundHandler(noRoute);

  app.get('/openapi.json', { config: { public: true }, schema: { hide: true } }, () => app.swagger());
  // Public like a worker's /metrics, so Prometheus needs no key: counts and scores by model and feature name, no secret.
  app.get('/metrics', { config: { public: true }, schema: { hide: true } }, async (_request, reply) =>
    reply.header('Content-Type', METRICS_CONTENT_TYPE).send(await metricsText()));

  app.withTypeProvider().get('/healthz', {
    config: { public: true },
    schema: {
      operationId: 'health', tags: ['health'], security: [],
      description: 'Whether PostgreSQL and Temporal answer; 503 when one does not.',
      response: { 200: health, 503: health },
    },
  }, async (_request, reply) => {
    const database = await reachable(() => db.query('SELECT 1'));
    const temporal = await reachable(() => client.withDeadline(Date.now() + HEALTH_DEADLINE_MS, () => client.workflowService.getSystemInfo({})));
    const ok = database && temporal;
    return reply.code(ok ? 200 : 503).send({
      status: ok ? 'ok' : 'unavailable', database: database ? 'ok' : 'unavailable', temporal: temporal ? 'ok' : 'unavailable',
    });
  });

  await app.register((api) => apiRoutes(api, { db, client, settings }));
  const publicUrl = deps.publicUrl ?? settings.publicUrl ?? serviceUrl(settings.serviceHost, settings.servicePort);
  await app.register((pages) => pageRoutes(pages, { db, publicUrl }));
  return app;
}

export interface RunningService { url: string; close(): Promise<void> }

export async function startService(options: { db: Db; client: Client; settings: Settings; host?: string; port?: number; logger?: boolean }): Promise<RunningService> {
  const host = options.host ?? options.settings.serviceHost;
  // Port 0 is resolved first so that pages can link to the URL the service will have.
  const port = (options.port ?? options.settings.servicePort) || await freePort(host);
  const url = serviceUrl(host, port);
  const app = await buildService({ ...options, publicUrl: options.settings.publicUrl ?? url });
  await app.listen({ host, port });
  return { url, close: () => app.close() };
}

/**
 * The one place access is decided. /api routes take the key from the Authorization header and need
 * the route's role (admin when a route names none). Pages need the read role; a browser may bring
 * the key as a cookie, set by opening a page once with `?key=<key>`.
 */
async function authenticate(db: Db, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const route = request.routeOptions.url;
  // Unknown URLs fall through to the not-found handler, which says 404 or 405.
  if (route === undefined || request.routeOptions.config.public) return;
  const isApi = route.startsWith('/api/');
  const needed: Role = isApi ? request.routeOptions.config.role ?? 'admin' : 'read';
  const queryKey = isApi ? undefined : (request.query as Record<string, unknown> | undefined)?.key;
  const presented = typeof queryKey === 'string'
    ? queryKey
    : bearerKey(request.headers.authorization) ?? (isApi ? null : cookieValue(request.headers.cookie, PAGE_KEY_COOKIE));
  if (presented === null) {
    throw new HttpError(401, 'unauthorized', isApi
      ? "an API key is required: send 'Authorization: Bearer <key>' (create one with 'driftwatch keys create --role read')"
      : "an API key is required: open the page once with '?key=<key>' (create one with 'driftwatch keys create --role read')");
  }
  const check = await checkApiKey(db, presented);
  if (!check.valid) {
    throw new HttpError(401, 'unauthorized', check.reason === 'revoked' ? 'this API key was revoked' : 'unknown API key');
  }
  if (!roleAllows(check.key.role, needed)) {
    throw new HttpError(403, 'forbidden', `this needs the ${needed} role; key '${check.key.name}' has ${check.key.role}`);
  }
  request.apiKey = check.key;
  if (typeof queryKey === 'string') {
    const secure = request.protocol === 'https' ? '; Secure' : '';
    const url = new URL(request.url, 'http://service');
    url.searchParams.delete('key');
    await reply
      .header('set-cookie', `${PAGE_KEY_COOKIE}=${encodeURIComponent(presented)}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${PAGE_KEY_COOKIE_MAX_AGE_S}${secure}`)
      .redirect(`${url.pathname}${url.search}`, 303);
  }
}

/** The body as it arrives, failing with 413 once it passes the limit (a stream has no body limit of its own in Fastify). */
function limitedStream(payload: Readable, limit: number, contentLength: string | undefined): Readable {
  const tooLarge = () => new HttpError(413, 'body_too_large', `the body is over the ${limit}-byte limit of this route`);
  if (contentLength !== undefined && Number(contentLength) > limit) throw tooLarge();
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      callback(bytes > limit ? tooLarge() : null, chunk);
    },
  });
  return pipeline(payload, counter, () => undefined);
}

/**
 * jsonSchemaTransform, for the API routes only, plus request bodies given per media type (`body: { content: ... }`), which it
 * does not convert. Bodies that are not JSON are text (CSV, JSON lines, YAML), sent as they are.
 */
function transformWithContentTypes(document: Parameters<typeof jsonSchemaTransform>[0]): ReturnType<typeof jsonSchemaTransform> {
  // The HTML pages are for people, not part of the API the document describes.
  if (!document.url.startsWith('/api/') && document.url !== '/healthz') return { schema: { hide: true }, url: document.url };
  const body = (document.schema as { body?: { content?: Record<string, { schema: z.ZodType }> } } | undefined)?.body;
  if (!body?.content) return jsonSchemaTransform(document);
  const transformed = jsonSchemaTransform({ ...document, schema: { ...document.schema, body: undefined } });
  const content = Object.fromEntries(Object.entries(body.content).map(([type, { schema }]) => [type, {
    schema: type === 'application/json' ? z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input' }) : { type: 'string', format: 'binary' },
  }]));
  return { ...transformed, schema: { ...transformed.schema, body: { content } } };
}

function urlPattern(url: string): RegExp {
  const escaped = url.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/:[^/]+/g, '[^/]+').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}/?$`);
}

async function reachable(probe: () => Promise<unknown>): Promise<boolean> {
  try {
    await probe();
    return true;
  } catch {
    return false;
  }
}

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
