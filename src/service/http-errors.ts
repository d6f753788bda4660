/**
 * What a failed request answers: a status and `{ error: { code, message, field? } }`. Errors the
 * caller can act on keep their message; anything else is a 500 that says only where to look, so a
 * response never carries a stack trace or an internal detail.
 */
import { ConfigError } from '../config';
import { StoredConfigError, UnknownModelError } from '../errors';
import { CsvParseError } from '../ingest/csv';
import { OperationRefusedError } from '../operations';

export interface ErrorBody { error: { code: string; message: string; field?: string } }

/** An error a handler throws to answer with this status. */
export class HttpError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly field?: string) {
    super(message);
    this.name = 'HttpError';
  }
}

export const INTERNAL_ERROR: ErrorBody = { error: { code: 'internal', message: 'internal error; the service log has the details' } };

/** Fastify's own errors whose message is safe to show, by code. */
const FASTIFY_ERRORS: Record<string, { status: number; code: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'body_too_large' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'unsupported_media_type' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'invalid_request' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'invalid_request' },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'invalid_request' },
};

interface ValidationIssue { instancePath?: string; message?: string }

/** The answer to a failed request; status 500 means a fault of the service, to be logged. */
export function errorResponse(err: unknown): { status: number; body: ErrorBody } {
  if (err instanceof HttpError) return answer(err.status, err.code, err.message, err.field);
  if (err instanceof UnknownModelError) return answer(404, 'not_found', err.message, 'model');
  // Before ConfigError, its parent: a stored file this version refuses is the model owner's to fix, not the caller's request.
  if (err instanceof StoredConfigError) return answer(409, 'stored_config_invalid', err.message);
  if (err instanceof ConfigError) return answer(400, 'invalid_config', err.message, err.issues[0]?.path || undefined);
  if (err instanceof CsvParseError) return answer(400, 'malformed_body', err.message);
  if (err instanceof OperationRefusedError) return answer(409, err.kind, err.message);
  const fastify = err as { code?: string; statusCode?: number; message?: string; validation?: ValidationIssue[]; validationContext?: string };
  if (fastify.validation) {
    const issue = fastify.validation[0];
    const path = (issue?.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
    const field = [fastify.validationContext, path].filter(Boolean).join('.');
    return answer(400, 'invalid_request', `${field || 'request'}: ${issue?.message ?? 'invalid'}`, field || undefined);
  }
  const known = fastify.code === undefined ? undefined : FASTIFY_ERRORS[fastify.code];
  if (known) return answer(known.status, known.code, fastify.message ?? known.code);
  // Fastify's other refusals of a request (its messages are written for the client).
  if (fastify.code?.startsWith('FST_') && fastify.statusCode !== undefined && fastify.statusCode >= 400 && fastify.statusCode < 500) {
    return answer(fastify.statusCode, 'invalid_request', fastify.message ?? 'invalid request');
  }
  // A body that is not valid JSON: the parser's SyntaxError, marked 400 by Fastify.
  if (err instanceof SyntaxError && fastify.statusCode === 400) return answer(400, 'invalid_request', `invalid JSON body: ${err.message}`);
  return { status: 500, body: INTERNAL_ERROR };
}

function answer(status: number, code: string, message: string, field?: string): { status: number; body: ErrorBody } {
  return { status, body: { error: { code, message, ...(field === undefined ? {} : { field }) } } };
}
