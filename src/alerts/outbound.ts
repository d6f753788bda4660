/**
 * The one HTTP send of an alert. The URL passes the route's policy, its host is resolved once and
 * every address checked, and the connection goes to exactly those addresses: a DNS answer that
 * changes between the check and the connect (DNS rebinding) cannot slip past. Redirects are not
 * followed, a receiver that does not answer within the route's timeout is abandoned, and an answer
 * is read only as far as its summary needs.
 */
import { promises as dns, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { bareHost } from './address-policy';
import { describeAnswer, isSuccess, type ReceiverAnswer } from './response-summary';
import type { SecretMask } from './secret-mask';
import type { SinkRequest } from './sinks';
import { addressProblem, urlProblem, type DestinationPolicy } from './url-policy';

/** The route's policy refuses the destination: a retry would be refused again, until the config changes. */
export class RefusedDestinationError extends Error {
  constructor(readonly reason: string) {
    super(`refused: ${reason}`);
    this.name = 'RefusedDestinationError';
  }
}

export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

const systemResolver: Resolver = (hostname) => dns.lookup(hostname, { all: true, verbatim: true });

export interface PostOptions {
  timeoutMs: number;
  policy: DestinationPolicy;
  /** The route in the model config (`alerts[2]`), named in refusals. */
  routePath: string;
  /** Applied to everything returned, before the snippet of an answer is cut. */
  mask: SecretMask;
  resolve?: Resolver;
}

/** The snippet needs the start of an answer; beyond this much its length is only a bound. */
const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * POSTs once. Returns null on a 2xx answer, else what went wrong, masked; throws
 * RefusedDestinationError when the route's policy refuses the URL or an address of its host.
 */
export async function post(request: SinkRequest, options: PostOptions): Promise<string | null> {
  const url = new URL(request.url);
  const urlRefusal = urlProblem(url, options.policy, options.routePath);
  if (urlRefusal !== null) throw new RefusedDestinationError(urlRefusal);
  const signal = AbortSignal.timeout(options.timeoutMs);
  let addresses: LookupAddress[];
  try {
    addresses = await (options.resolve ?? systemResolver)(bareHost(url.hostname));
  } catch (err) {
    return options.mask(networkErrorText(err));
  }
  const addressRefusal = addressProblem(url.hostname, addresses.map((a) => a.address), options.policy, options.routePath);
  if (addressRefusal !== null) throw new RefusedDestinationError(addressRefusal);
  try {
    const answer = await send(url, request, addresses, signal);
    return isSuccess(answer) ? null : describeAnswer(answer, options.mask);
  } catch (err) {
    if (signal.aborted) return `no answer within ${options.timeoutMs} ms`;
    return options.mask(networkErrorText(err));
  }
}

function send(url: URL, request: SinkRequest, addresses: LookupAddress[], signal: AbortSignal): Promise<ReceiverAnswer> {
  const body = Buffer.from(request.body);
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const outgoing = transport.request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'driftwatch', ...request.headers, 'content-length': body.length },
      lookup: pinnedLookup(addresses),
      // A fresh connection each time: a pooled one could have been opened under another route's policy.
      agent: false,
      signal,
    }, (response) => {
      const chunks: Buffer[] = [];
      let bytes = 0;
      const finish = (bodyComplete: boolean) => resolve({
        status: response.statusCode ?? 0,
        bodyStart: Buffer.concat(chunks).subarray(0, MAX_ANSWER_BYTES).toString('utf8'),
        bodyBytes: Math.min(bytes, MAX_ANSWER_BYTES),
        bodyComplete,
      });
      response.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        bytes += chunk.length;
        if (bytes >= MAX_ANSWER_BYTES) {
          finish(false);
          response.destroy();
        }
      });
      response.on('end', () => finish(true));
      response.on('error', reject);
      response.on('close', () => reject(new Error('the connection closed before the answer ended')));
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/** Connects to the addresses that were checked, instead of resolving the host again. */
function pinnedLookup(addresses: LookupAddress[]): LookupFunction {
  return (hostname, options, callback) => {
    const usable = options.family ? addresses.filter((a) => a.family === options.family) : addresses;
    if (usable.length === 0) callback(Object.assign(new Error(`no IPv${options.family} address for ${hostname}`), { code: 'ENOTFOUND' }), []);
    else if (options.all) callback(null, usable);
    else callback(null, usable[0]!.address, usable[0]!.family);
  };
}

/** Node's errors from a connection attempt to several addresses are an AggregateError with an empty message. */
function networkErrorText(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) return err.errors.map(networkErrorText).join('; ');
  if (err instanceof Error) return err.message || (err as NodeJS.ErrnoException).code || err.name;
  return String(err);
}
