import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config';
import { StoredConfigError, UnknownModelError } from '../../../src/errors';
import { CsvParseError } from '../../../src/ingest/csv';
import { OperationRefusedError } from '../../../src/operations';
import { errorResponse, HttpError, INTERNAL_ERROR } from '../../../src/service/http-errors';

describe('error responses', () => {
  it('keep the message of errors the caller can act on, with a status and a stable code', () => {
    expect(errorResponse(new UnknownModelError('m'))).toEqual({
      status: 404, body: { error: { code: 'not_found', message: expect.stringContaining("unknown model 'm'"), field: 'model' } },
    });
    expect(errorResponse(new ConfigError('x', [{ path: 'monitoring.windw', message: "unknown key 'windw'" }]))).toMatchObject({
      status: 400, body: { error: { code: 'invalid_config', field: 'monitoring.windw' } },
    });
    expect(errorResponse(new StoredConfigError('m', [{ path: 'a', message: 'b' }])).status).toBe(409);
    expect(errorResponse(new CsvParseError(3, 'unclosed quote'))).toMatchObject({ status: 400, body: { error: { code: 'malformed_body' } } });
    expect(errorResponse(new OperationRefusedError('a retrain of m is already running: retrain-m', 'conflict'))).toEqual({
      status: 409, body: { error: { code: 'conflict', message: 'a retrain of m is already running: retrain-m' } },
    });
    expect(errorResponse(new HttpError(403, 'forbidden', 'no'))).toEqual({ status: 403, body: { error: { code: 'forbidden', message: 'no' } } });
  });

  it('name the field of a failed schema validation', () => {
    const err = Object.assign(new Error('bad'), {
      statusCode: 400, validationContext: 'querystring', validation: [{ instancePath: '/limit', message: 'Too small: expected number to be >=1' }],
    });
    expect(errorResponse(err)).toEqual({
      status: 400, body: { error: { code: 'invalid_request', message: 'querystring.limit: Too small: expected number to be >=1', field: 'querystring.limit' } },
    });
  });

  it("pass on Fastify's own refusals, and say nothing of any other error", () => {
    const tooLarge = Object.assign(new Error('Request body is too large'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 });
    expect(errorResponse(tooLarge)).toMatchObject({ status: 413, body: { error: { code: 'body_too_large' } } });
    const leaky = Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:5432'), { statusCode: 400 });
    expect(errorResponse(leaky)).toEqual({ status: 500, body: INTERNAL_ERROR });
    expect(errorResponse('thrown text')).toEqual({ status: 500, body: INTERNAL_ERROR });
  });
});
