import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface OpsServer {
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

/**
 * /metrics (Prometheus), /healthz (the process is alive and no stage has stopped for good) and /readyz (every stage is
 * running), on `host` (127.0.0.1 by default; a container binds 0.0.0.0 for its probes and
 * scraping). Port 0 picks a free one so processes can run side by side.
 */
export async function startOpsServer(registry: Registry, ready: () => boolean, port: number, host = '127.0.0.1', healthy: () => boolean = () => true): Promise<OpsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') {
      res.writeHead(405).end();
      return;
    }
    if (path === '/metrics') {
      registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
        (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(String((err as Error).message)),
      );
    } else if (path === '/healthz') {
      // Unhealthy only when something will not recover by itself (a stage's consumer gave up):
      // a liveness probe then restarts the process.
      const ok = healthy();
      res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(`{"status":"${ok ? 'ok' : 'failed'}"}\n`);
    } else if (path === '/readyz') {
      const ok = ready();
      res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(`{"status":"${ok ? 'ready' : 'not ready'}"}\n`);
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    port: actual,
    // A wildcard bind is reached locally on the loopback address.
    url: `http://${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host}:${actual}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
