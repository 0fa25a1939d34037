import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { probeRegistry } from '../../../../src/adapters/registry/probe.js';

const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

async function serve(s: Server): Promise<number> {
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return (s.address() as { port: number }).port;
}

const registry = (port: number, auth = false) => ({ url: `http://127.0.0.1:${port}/apis/ccompat/v7`, username: auth ? 'u' : null, password: auth ? 'p' : null, tls: { ca: null } });

describe('probeRegistry', () => {
  it('passes on any HTTP answer (a 401 is for the call that meets it), sending basic auth when configured', async () => {
    let seen: { url?: string; auth?: string } = {};
    const port = await serve(createHttpServer((req, res) => {
      seen = { url: req.url, auth: req.headers.authorization };
      res.writeHead(401).end();
    }));
    await expect(probeRegistry(registry(port, true), 2000)).resolves.toBeUndefined();
    expect(seen).toEqual({ url: '/apis/ccompat/v7/subjects', auth: `Basic ${Buffer.from('u:p').toString('base64')}` });
  });

  it('fails with REGISTRY_UNAVAILABLE on a refused connection, naming the URL and the reason', async () => {
    const s = createServer();
    const port = await serve(s);
    await new Promise<void>((r) => s.close(() => r()));
    servers.length = 0;
    const err = await probeRegistry(registry(port), 2000).catch((e: unknown) => e as Error);
    expect(err).toMatchObject({ code: 'REGISTRY_UNAVAILABLE' });
    expect(err!.message).toContain(`http://127.0.0.1:${port}/apis/ccompat/v7 cannot be reached (ECONNREFUSED)`);
  });

  it('gives up on a server that never answers, after the timeout', async () => {
    const port = await serve(createServer(() => undefined));
    const err = await probeRegistry(registry(port), 300).catch((e: unknown) => e as Error);
    expect(err!.message).toContain('no answer within 300 ms');
  });
});
