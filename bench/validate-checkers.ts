/**
 * Compares the in-thread checker with the piscina pool for `validate` on signed files of
 * growing size (the vector basic-valid.xml's installations repeated, re-signed with the
 * public test key of its signer). Run: npm run build && node dist/bench/validate-checkers.js
 */
import { sign } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPoolChecker } from '../src/adapters/pool/pool-checker.js';
import { createInThreadChecker } from '../src/core/device-crypto/index.js';
import { loadReference } from '../src/core/reference/index.js';
import { JsonReportSink } from '../src/cli/render/json-report.js';
import type { TextOutput } from '../src/cli/render/output.js';
import { DEFAULT_POLICY, validateFile } from '../src/jobs/validate/validate-file.js';

const shared = fileURLToPath(new URL('../../../shared/', import.meta.url));
const refDir = `${shared}fixtures/mcf-vectors/ref`;
const vector = readFileSync(`${shared}fixtures/mcf-vectors/basic-valid.xml`, 'utf8');
const key = readFileSync(`${shared}fixtures/smki/dccboxed-org/90b3d51f30010008-loadcontroller-ds.key.pem`, 'utf8');
const start = vector.indexOf('<Installation ');
const end = vector.lastIndexOf('</Installation>') + '</Installation>'.length;
const body = vector.slice(start, end);
const dir = mkdtempSync(join(tmpdir(), 's1mig-bench-'));
const nullOut: TextOutput = { async write() {}, async flush() {} };

function file(copies: number): string {
  const head = vector.slice(0, start)
    .replace(/<InstallationCount>\d+/, `<InstallationCount>${copies * 2}`)
    .replace(/<DeviceCount>\d+/, `<DeviceCount>${copies * 6}`);
  const parts = [head];
  for (let k = 0; k < copies; k++) parts.push(body.replaceAll('id="V', `id="C${k}-V`), '\n  ');
  const signed = parts.join('');
  const sig = sign('sha256', Buffer.from(signed), key).toString('base64');
  const path = join(dir, `f${copies}.xml`);
  writeFileSync(path, `${signed}<Signature>${sig}</Signature>\n</MigrationCommonFile>\n`);
  return path;
}

const ref = loadReference(refDir);
for (const copies of [10, 50, 200, 1000]) {
  const path = file(copies);
  const size = readFileSync(path).length;
  for (const [label, make] of [['in-thread', () => createInThreadChecker(refDir)], ['pool', () => createPoolChecker(refDir)]] as const) {
    const t0 = process.hrtime.bigint();
    const checker = make();
    const summary = await validateFile(path, ref, checker, { ...DEFAULT_POLICY }, new JsonReportSink(nullOut));
    await checker.close();
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    console.log(`${(size / 1024).toFixed(0).padStart(6)} KB ${String(copies * 6).padStart(6)} devices ${label.padEnd(9)} ${ms.toFixed(0).padStart(6)} ms (${summary.status})`);
  }
}
