import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { probeBrokers } from '../../../../src/adapters/kafka/probe.js';
import { closedPort } from '../../../support/ports.js';

const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

/** A port that was free a moment ago: nothing listens on it. */

async function listening(): Promise<number> {
  const s = createServer((c) => c.destroy());
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return (s.address() as { port: number }).port;
}

describe('probeBrokers', () => {
  it('fails fast with KAFKA_UNAVAILABLE naming every broker when none accepts a connection', async () => {
    const [a, b] = [await closedPort(), await closedPort()];
    const err = await probeBrokers([`127.0.0.1:${a}`, `127.0.0.1:${b}`], 2000).catch((e: unknown) => e as Error & { code: string });
    expect(err).toMatchObject({ code: 'KAFKA_UNAVAILABLE' });
    expect(err!.message).toContain(`127.0.0.1:${a}: connect ECONNREFUSED`);
    expect(err!.message).toContain(`127.0.0.1:${b}`);
  });

  it('passes when any one broker accepts a connection', async () => {
    await expect(probeBrokers([`127.0.0.1:${await closedPort()}`, `127.0.0.1:${await listening()}`], 2000)).resolves.toBeUndefined();
  });
});
