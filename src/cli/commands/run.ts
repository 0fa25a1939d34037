import { parseArgs } from 'node:util';
import { S1migError } from '../../core/errors/s1mig-error.js';
import { createLogger, type Logger } from '../../adapters/log/logger.js';
import { startProcessor, STAGES, type StageName } from '../../pipeline/processor.js';
import type { CliCommand } from '../command.js';
import { connectedConfig } from '../../jobs/connect.js';

const USAGE = `usage: s1mig run --ref DIR [--stages splitter,validator,enrolment] [--metrics-port N] [--ops-host ADDRESS]
                 [--threads N] [--split-supply allow|reject] [--partial allow|deny] [--config FILE]

Runs the stream processor until SIGTERM or SIGINT (then it stops fetching, finishes and
commits what is in flight, leaves the groups and exits 0). Metrics, /healthz and /readyz
on <ops-host>:<metrics-port>: processor.ops in the configuration (S1MIG_OPS_HOST,
S1MIG_METRICS_PORT), 127.0.0.1:9464 by default; port 0 = any free port, printed at start;
a container binds 0.0.0.0. --threads: worker pool threads (default: the cores).`;

export const command: CliCommand = {
  usage: USAGE,
  async run(args) {
    const { values } = parseArgs({ args, strict: true, options: {
      ref: { type: 'string' }, stages: { type: 'string' }, 'metrics-port': { type: 'string' }, 'ops-host': { type: 'string' }, threads: { type: 'string' },
      'split-supply': { type: 'string' }, partial: { type: 'string' }, config: { type: 'string' },
    } });
    const refDir = values.ref ?? process.env['S1MIG_REF_DIR'];
    if (!refDir) throw new S1migError('USAGE', `--ref DIR (or S1MIG_REF_DIR) is required\n${USAGE}`);
    const stages = (values.stages ?? STAGES.join(',')).split(',').map((s) => s.trim()).filter(Boolean);
    for (const s of stages) if (!(STAGES as readonly string[]).includes(s)) throw new S1migError('USAGE', `unknown stage '${s}' (stages: ${STAGES.join(', ')})`);
    const port = values['metrics-port'] === undefined ? undefined : Number(values['metrics-port']);
    if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) throw new S1migError('USAGE', `--metrics-port must be 0..65535`);
    const split = values['split-supply'] ?? 'allow';
    const partial = values.partial ?? 'allow';
    if (split !== 'allow' && split !== 'reject') throw new S1migError('USAGE', '--split-supply must be allow or reject');
    if (partial !== 'allow' && partial !== 'deny') throw new S1migError('USAGE', '--partial must be allow or deny');
    const threads = values.threads === undefined ? undefined : Number(values.threads);
    if (threads !== undefined && (!Number.isInteger(threads) || threads < 1)) throw new S1migError('USAGE', '--threads must be a positive integer');

    const config = await connectedConfig(values.config);
    const logger = createLogger({ base: { pid: process.pid } });
    // The processor's knobs from the configuration (file < environment), flags over them.
    const p = config.processor;
    const sessionOpt = p.sessionTimeoutMs === null ? {} : { sessionTimeoutMs: p.sessionTimeoutMs };
    // Signals are caught from here on, so one that comes while the stages start (a deploy
    // that changes its mind) still ends in a clean stop rather than the default kill.
    const stop = stopSignal(logger);
    const processor = await startProcessor(config, {
      stages: stages as StageName[], refDir, metricsPort: port ?? p.ops.port, opsHost: values['ops-host'] ?? p.ops.host, policy: { splitSupply: split, partial },
      splitter: { devicesPerTransaction: p.splitter.devicesPerTransaction, transferTimeoutMs: p.splitter.transferTimeoutMs, ...sessionOpt },
      validator: sessionOpt,
      enrolment: sessionOpt,
      ...(threads !== undefined ? { threads } : {}),
      onFatal: () => stop.fail(),
    }, logger).catch((err: unknown) => {
      stop.dispose();
      throw err;
    });
    process.stderr.write(`s1mig run: stages ${stages.join(', ')}; metrics ${processor.ops.url}/metrics\n`);
    const how = await stop.received;
    try {
      await processor.stop();
    } finally {
      stop.dispose();
    }
    // A stage that stopped for good ends the process with 3, for its supervisor to restart it.
    const status = how === 'failed' ? 3 : 0;
    exitIfStillAlive(logger, status);
    return status;
  },
};

/** How long a drained process may take to end by itself before it is ended. */
const EXIT_GRACE_MS = 10_000;

/**
 * Everything is stopped and committed by now, so the event loop should empty and the process
 * end. A handle something forgot to close (a timer, a socket) would keep it alive for ever,
 * and a supervisor waiting for the exit (a rolling deploy) with it. This unref'd timer names
 * what is still open, so the leak can be found, and ends the process anyway.
 */
function exitIfStillAlive(logger: Logger, status: number): void {
  setTimeout(() => {
    logger.warn('the process had not ended after its drain; exiting (a handle was left open)', { afterMs: EXIT_GRACE_MS, open: process.getActiveResourcesInfo() });
    process.exit(status);
  }, EXIT_GRACE_MS).unref();
}

/**
 * The first SIGTERM or SIGINT starts the drain. A second SIGTERM only logs: an orchestrator
 * that wants it faster sends SIGKILL, which the exactly-once design survives. A second
 * SIGINT (an operator pressing Ctrl-C again) exits at once with 130.
 */
function stopSignal(logger: Logger): { received: Promise<'signal' | 'failed'>; fail(): void; dispose(): void } {
  let signalled = false;
  let wake: (how: 'signal' | 'failed') => void = () => undefined;
  const received = new Promise<'signal' | 'failed'>((resolve) => (wake = resolve));
  const on = (sig: 'SIGTERM' | 'SIGINT'): void => {
    if (!signalled) {
      signalled = true;
      logger.info('signal received, draining', { signal: sig });
      wake('signal');
    } else if (sig === 'SIGINT') {
      logger.warn('second SIGINT: exiting without draining', {});
      process.exit(130);
    } else logger.warn('SIGTERM while draining: still draining', {});
  };
  const onTerm = (): void => on('SIGTERM');
  const onInt = (): void => on('SIGINT');
  process.on('SIGTERM', onTerm);
  process.on('SIGINT', onInt);
  return {
    received,
    fail(): void {
      if (signalled) return;
      signalled = true;
      wake('failed');
    },
    dispose(): void {
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
    },
  };
}
