import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../adapters/config/config.js';
import { formatSummaries } from '../../jobs/demo/demo-summary.js';
import { runDemo } from '../../jobs/demo/run-demo.js';
import { S1migError } from '../../core/errors/s1mig-error.js';
import { formatStatus, localDown, localStatus, localUp, resolveLocalInstance } from '../../adapters/local/index.js';
import { createLogger } from '../../adapters/log/logger.js';
import type { CliCommand } from '../command.js';
import { progressLine, type Progress } from '../render/progress.js';
import { hyphenatedEui } from '../../core/values.js';

const USAGE = `usage: s1mig demo [--keep-running] [--scale X] [--timeout SECONDS] [--json]

The main job on the local default: starts the local Kafka and Schema Registry (unless they
run already), applies topics and schemas, generates three MCFs across two SMSOs, publishes
them (and the clean one a second time), runs the pipeline until they are processed, and
prints per file what happened, read back from the topics. The infrastructure is stopped
at the end if the demo started it, unless --keep-running (then the processor and its
/metrics stay up until Ctrl-C, and the infrastructure stays up afterwards).`;

export const command: CliCommand = {
  usage: USAGE,
  async run(args) {
    const { values } = parseArgs({ args, strict: true, options: {
      'keep-running': { type: 'boolean', default: false }, scale: { type: 'string' }, timeout: { type: 'string' },
      json: { type: 'boolean', default: false },
    } });
    const scale = Number(values.scale ?? 1);
    if (!(scale > 0 && scale <= 100)) throw new S1migError('USAGE', '--scale must be a number in (0, 100]');
    const timeoutSec = Number(values.timeout ?? 600);
    if (!(timeoutSec > 0)) throw new S1migError('USAGE', '--timeout must be a positive number of seconds');
    const progress = (text: string): void => void process.stderr.write(`s1mig demo: ${text}\n`);
    let line: { label: string; bar: Progress } | null = null;

    const local = resolveLocalInstance();
    const wasRunning = (await localStatus(local)).healthy;
    const st = await localUp(local, progress);
    if (!values.json) process.stdout.write(formatStatus(st) + '\n\n');
    try {
      const config = loadConfig();
      const logger = createLogger({ level: process.env['S1MIG_LOG_LEVEL'] ? undefined : 'warn' });
      const result = await runDemo(config, {
        workDir: join(local.dataDir, 'demo'),
        scale,
        timeoutMs: timeoutSec * 1000,
        progress,
        generating: (label, n, total) => {
          // One progress line per file on a terminal (nothing with --json or on a pipe).
          if (line === null || line.label !== label) {
            line?.bar.clear();
            line = { label, bar: progressLine(`s1mig demo: generating ${label}`, 'installations', { enabled: !values.json }) };
          }
          line.bar.update(n, total);
          if (n === total) line.bar.clear();
        },
        ...(values['keep-running'] ? {
          holdOpen: async (url: string) => {
            process.stderr.write(`s1mig demo: processor running; metrics at ${url}; Ctrl-C to stop\n`);
            await new Promise<void>((resolve) => { process.once('SIGINT', resolve); process.once('SIGTERM', resolve); });
          },
        } : {}),
      }, logger);
      if (values.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
      else {
        process.stdout.write(formatSummaries(result.uploads) + '\n\n');
        process.stdout.write(`devices validated: ${result.devicesValidated} in ${result.seconds.toFixed(1)} s (${Math.round(result.devicesPerSecond)} devices/s end to end, publish to last outcome)\n`);
        process.stdout.write(`metrics were at ${result.metricsUrl} (s1mig_devices_total=${result.metrics['s1mig_devices_total']}, s1mig_installations_total=${result.metrics['s1mig_installations_total']}, s1mig_dlq_total=${result.metrics['s1mig_dlq_total']}); \`npx s1mig run --ref ${join(local.dataDir, 'demo', 'ref')}\` serves them on :9464\n`);
        process.stdout.write(`reports: npx s1mig report <file key> [--json]\n`);
        process.stdout.write(`\n${formatAlerts(result.alerts)}`);
      }
      return result.uploads.every((u) => u.status !== 'pending') ? 0 : 1;
    } finally {
      if (!wasRunning && !values['keep-running']) await localDown(local, progress);
    }
  },
};

/** Alerts per supplier and code, one N55 in full, and how to check it independently. */
function formatAlerts(a: { bySupplier: Record<string, Record<string, number>>; sample: string | null; certificate: string }): string {
  const lines = ['S1SP alerts (signed DUIS S1SPAlert XML on the alerts topic, keyed by supplier):'];
  for (const [supplier, codes] of Object.entries(a.bySupplier).sort()) {
    lines.push(`  ${hyphenatedEui(supplier)}  ${Object.entries(codes).sort().map(([c, n]) => `${c} ${n}`).join(', ')}`);
  }
  if (Object.keys(a.bySupplier).length === 0) lines.push('  none');
  if (a.sample !== null) lines.push('', 'one of them in full:', a.sample, '');
  lines.push(`verify them all: npx s1mig alerts verify --cert ${a.certificate}`);
  lines.push(`or one with xmlsec1: npx s1mig alerts export --out DIR, then xmlsec1 --verify --pubkey-cert-pem ${a.certificate} DIR/<supplier>/<file>.xml`);
  return `${lines.join('\n')}\n`;
}
