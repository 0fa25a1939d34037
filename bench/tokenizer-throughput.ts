/**
 * Measures the MCF tokenizer and reader throughput on a generated file (the vector
 * basic-valid.xml's installations repeated). Run: npm run build && node dist/bench/tokenizer-throughput.js
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { McfReader } from '../src/core/mcf/reader.js';
import { XmlTokenizer } from '../src/core/xml/tokenizer.js';

const vector = readFileSync(fileURLToPath(new URL('../../../shared/fixtures/mcf-vectors/basic-valid.xml', import.meta.url)), 'utf8');
const start = vector.indexOf('<Installation ');
const end = vector.lastIndexOf('</Installation>') + '</Installation>'.length;
const body = vector.slice(start, end);
const copies = Number(process.argv[2] ?? 10000);
const parts = [vector.slice(0, start)];
for (let k = 0; k < copies; k++) parts.push(body.replaceAll('id="V', `id="C${k}-V`), '\n  ');
parts.push(vector.slice(end));
const bytes = Buffer.from(parts.join(''));
const CHUNK = 256 * 1024;

function time(label: string, run: () => void): void {
  run(); // warm-up
  // CPU time, not wall time: the machine is shared and the load varies.
  const t0 = process.cpuUsage();
  run();
  const used = process.cpuUsage(t0);
  const s = (used.user + used.system) / 1e6;
  console.log(`${label}: ${(bytes.length / 1e6 / s).toFixed(1)} MB/s (${(bytes.length / 1e6).toFixed(1)} MB in ${s.toFixed(2)} CPU s)`);
}

time('tokenizer', () => {
  const tok = new XmlTokenizer({ startElement() {}, endElement() {}, text() {}, limit() {} });
  for (let i = 0; i < bytes.length; i += CHUNK) tok.write(bytes.subarray(i, i + CHUNK));
  tok.end();
  if (tok.error !== null) throw new Error(tok.error.reason);
});
time('reader pass 1 (digest, no devices kept)', () => {
  const r = new McfReader({ digest: true, maxKeptDevices: 0, onDevice() {} });
  for (let i = 0; i < bytes.length; i += CHUNK) r.write(bytes.subarray(i, i + CHUNK));
  const scan = r.end();
  if (scan.malformed !== null) throw new Error(scan.malformed.reason);
});
time('reader pass 2 (installations)', () => {
  let n = 0;
  const r = new McfReader({ onInstallation: () => n++ });
  for (let i = 0; i < bytes.length; i += CHUNK) r.write(bytes.subarray(i, i + CHUNK));
  r.end();
});
