import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RefusedDestinationError, post, type PostOptions } from '../../../src/alerts/outbound';
import { MASK, secretMask } from '../../../src/alerts/secret-mask';

let server: http.Server;
let port: number;
const hits: Array<{ path: string; host: string }> = [];

beforeAll(async () => {
  // A real receiver with one path per behaviour.
  server = http.createServer((req, res) => {
    hits.push({ path: req.url ?? '', host: req.headers.host ?? '' });
    req.resume();
    if (req.url === '/ok') res.writeHead(204).end();
    else if (req.url === '/fail') res.writeHead(500).end('bad key R0UT1NG');
    else if (req.url === '/redirect') res.writeHead(302, { location: '/ok' }).end();
    else if (req.url === '/huge') res.writeHead(500).end('z'.repeat(200_000));
    // '/hang': accepts the request and never answers.
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const local: PostOptions = {
  timeoutMs: 2000, routePath: 'alerts[0]', mask: secretMask([]),
  policy: { allowInsecureHosts: ['127.0.0.1'], allowPrivateHosts: ['127.0.0.1'] },
};
const request = (path: string, host = '127.0.0.1') => ({ url: `http://${host}:${port}${path}`, headers: {}, body: '{}' });

describe('posting to a route', () => {
  it('accepts 2xx, reports other answers without following redirects, and masks secrets', async () => {
    expect(await post(request('/ok'), local)).toBeNull();
    expect(await post(request('/fail'), { ...local, mask: secretMask(['R0UT1NG']) })).toBe(`HTTP 500, 15 bytes: bad key ${MASK}`);
    expect(await post(request('/redirect'), local)).toBe('HTTP 302 (redirects are not followed)');
    expect(hits.filter((h) => h.path === '/ok')).toHaveLength(1);
    expect(await post(request('/huge'), local)).toMatch(/^HTTP 500, over 65536 bytes: z{159}…$/);
  });

  it('gives up on a receiver that never answers, and on one that is not there', async () => {
    const started = Date.now();
    expect(await post(request('/hang'), { ...local, timeoutMs: 300 })).toBe('no answer within 300 ms');
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await post({ url: 'http://127.0.0.1:1/x', headers: {}, body: '{}' }, local)).toMatch(/ECONNREFUSED/);
  });

  it('refuses a loopback receiver, and plain http, unless the route lists the host', async () => {
    const before = hits.length;
    const refusal = (options: PostOptions) => post(request('/ok'), options).then(() => null, (err: unknown) => err);
    const noPrivate = await refusal({ ...local, policy: { allowInsecureHosts: ['127.0.0.1'], allowPrivateHosts: [] } });
    expect(noPrivate).toBeInstanceOf(RefusedDestinationError);
    expect((noPrivate as Error).message).toBe("refused: 127.0.0.1 is a loopback address; add '127.0.0.1' to alerts[0].allowPrivateHosts to allow it");
    const noHttp = await refusal({ ...local, policy: { allowInsecureHosts: [], allowPrivateHosts: ['127.0.0.1'] } });
    expect((noHttp as Error).message).toMatch(/^refused: http sends alerts unencrypted to 127\.0\.0\.1/);
    await expect(post({ url: 'ftp://127.0.0.1/x', headers: {}, body: '{}' }, local)).rejects.toThrow(/^refused: only https/);
    expect(hits.length).toBe(before);
  });

  it('checks every address the host resolves to, and connects only to the addresses it checked', async () => {
    const resolvingTo = (...addresses: string[]) => async () => addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    const policy = { allowInsecureHosts: ['hooks.internal'], allowPrivateHosts: ['127.0.0.1'] };
    await expect(post(request('/ok', 'hooks.internal'), { ...local, policy, resolve: resolvingTo('127.0.0.1', '10.0.0.5') }))
      .rejects.toThrow("refused: hooks.internal resolves to 10.0.0.5, a private address; add '10.0.0.5' to alerts[0].allowPrivateHosts to allow it");
    // hooks.internal resolves nowhere in real DNS: the request can only have reached the checked address.
    expect(await post(request('/ok', 'hooks.internal'), { ...local, policy, resolve: resolvingTo('127.0.0.1') })).toBeNull();
    expect(hits.at(-1)).toEqual({ path: '/ok', host: `hooks.internal:${port}` });
    expect(await post(request('/ok', 'hooks.internal'), { ...local, policy, resolve: () => Promise.reject(new Error('getaddrinfo ENOTFOUND hooks.internal')) }))
      .toBe('getaddrinfo ENOTFOUND hooks.internal');
  });
});
