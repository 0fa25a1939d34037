import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { startOpsServer, type OpsServer } from '../../../../src/adapters/http/ops-server.js';

const open: OpsServer[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
});

describe('the ops endpoint', () => {
  it('answers /healthz, /readyz and /metrics on the address it is given (127.0.0.1 by default)', async () => {
    let ready = false;
    const local = await startOpsServer(new Registry(), () => ready, 0);
    open.push(local);
    expect(local.url).toBe(`http://127.0.0.1:${local.port}`);
    expect((await fetch(`${local.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${local.url}/readyz`)).status).toBe(503);
    ready = true;
    expect((await fetch(`${local.url}/readyz`)).status).toBe(200);
    // Another loopback address stands for a configured bind address (a container's 0.0.0.0).
    const other = await startOpsServer(new Registry(), () => true, 0, '127.0.0.2');
    open.push(other);
    expect(other.url).toBe(`http://127.0.0.2:${other.port}`);
    expect((await fetch(`${other.url}/metrics`)).status).toBe(200);
    await expect(fetch(`http://127.0.0.1:${other.port}/healthz`)).rejects.toThrow();
  });

  it('answers /healthz 503 once the process is unhealthy (a stage stopped for good), for a liveness probe to restart it', async () => {
    let healthy = true;
    const s = await startOpsServer(new Registry(), () => true, 0, '127.0.0.1', () => healthy);
    open.push(s);
    expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
    healthy = false;
    const r = await fetch(`${s.url}/healthz`);
    expect(r.status).toBe(503);
    expect(await r.json()).toEqual({ status: 'failed' });
  });
});
