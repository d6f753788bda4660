/**
 * The worker's /metrics endpoint: a plain node:http server, since a worker has no other HTTP to
 * serve. The HTTP service mounts the same metricsText() on its own port instead.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { METRICS_CONTENT_TYPE, metricsText } from './metrics';

export interface MetricsServer {
  /** The port it listens on (the one the system chose, when asked for 0). */
  port: number;
  close(): Promise<void>;
}

export async function startMetricsServer(options: { host: string; port: number }): Promise<MetricsServer> {
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://metrics').pathname;
    if (req.method !== 'GET' || path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: metrics are at GET /metrics\n');
      return;
    }
    metricsText().then(
      (text) => res.writeHead(200, { 'content-type': METRICS_CONTENT_TYPE }).end(text),
      (err: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' }).end(`could not collect metrics: ${err instanceof Error ? err.message : String(err)}\n`);
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(err.code === 'EADDRINUSE'
        ? new Error(`DRIFTWATCH_METRICS_PORT: port ${options.port} on ${options.host} is in use; choose another, or 0 to serve no metrics`)
        : err);
    });
    server.listen(options.port, options.host, resolve);
  });
  // It serves while the process has work (the workers) and never keeps it alive alone: a start that
  // fails after it, or a caller that forgets close(), still lets the process exit.
  server.unref();
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
}
