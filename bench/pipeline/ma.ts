/**
 * A Migration file needs its MA published first (else the splitter rejects it
 * MCF_NOT_AUTHORISED): one that covers every installation of a bench file, for today.
 */
import { closeSync, openSync, readSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRegistry } from '../../src/adapters/registry/client.js';
import { londonDate } from '../../src/core/inputs/london-day.js';
import { publishInputFile } from '../../src/jobs/inputs/publish-inputs.js';
import type { BenchTopics, Infra } from './infra.js';

/** The MigrationAuthorisation and SMSO a file's Header names (read from its first 8 KiB). */
export function headerMa(file: string): { reference: string; smso: string } {
  const fd = openSync(file, 'r');
  const buf = Buffer.alloc(8192);
  const n = readSync(fd, buf, 0, buf.length, 0);
  closeSync(fd);
  const head = buf.subarray(0, n).toString('utf8');
  const ma = /<MigrationAuthorisation>([^<]+)<\/MigrationAuthorisation>/.exec(head)?.[1];
  const smso = /<SMSO>([^<]+)<\/SMSO>/.exec(head)?.[1];
  if (ma === undefined || smso === undefined) throw new Error(`${file} names no MigrationAuthorisation (not a Migration file?)`);
  return { reference: ma, smso };
}

/** Publishes, for each file, an MA of its reference with `installations` requested and committed (supplier: gen's first). */
export async function publishCoveringMas(infra: Infra, topics: BenchTopics, dir: string, files: ReadonlyArray<{ file: string; installations: number; supplier?: string }>): Promise<void> {
  const day = londonDate(Date.now());
  const rows = files.map((f) => {
    const { reference, smso } = headerMa(f.file);
    return `${reference},${f.supplier ?? '90-B3-D5-1F-30-01-00-00'},${smso},${day},${f.installations},${f.installations}`;
  });
  const csv = join(dir, `ma-${topics.prefix}csv`);
  writeFileSync(csv, `reference,supplier,smso,migrationDate,requested,committed\n${rows.join('\n')}\n`, { mode: 0o600 });
  const r = await publishInputFile({ kafka: infra.kafka, registry: createRegistry(topics.config), plan: topics.plan, prefix: topics.prefix }, 'ma', csv);
  if (!r.ok) throw new Error(`bench MA refused: ${r.problems.map((p) => p.message).join('; ')}`);
}

/** The supplier directory: each supplier on DUIS 5.4, so every meter of a bench file is alerted. */
export async function publishSupplierDirectory(infra: Infra, topics: BenchTopics, dir: string, suppliers: readonly string[]): Promise<void> {
  const csv = join(dir, `suppliers-${topics.prefix}csv`);
  writeFileSync(csv, `supplier,duisVersion,name\n${suppliers.map((s, i) => `${s},5.4,Bench supplier ${i + 1}`).join('\n')}\n`, { mode: 0o600 });
  const r = await publishInputFile({ kafka: infra.kafka, registry: createRegistry(topics.config), plan: topics.plan, prefix: topics.prefix }, 'suppliers', csv);
  if (!r.ok) throw new Error(`bench supplier directory refused: ${r.problems.map((p) => p.message).join('; ')}`);
}
