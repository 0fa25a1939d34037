/**
 * One progress line on a terminal for long work (`gen`, `validate`, `publish`): count,
 * rate and time left, redrawn at most every 200 ms. Nothing on a stream that is not a TTY
 * (CI logs, pipes) or when the command prints JSON. The stream and the clock are injected
 * so the line can be tested.
 */
export interface ProgressStream {
  readonly isTTY?: boolean;
  write(text: string): unknown;
}

export interface ProgressOptions {
  readonly stream?: ProgressStream;
  /** False for --json and the like: then nothing is written. */
  readonly enabled?: boolean;
  readonly now?: () => number;
  readonly minIntervalMs?: number;
  /** How a count is shown (bytes as MB, say); default a grouped whole number. */
  readonly format?: (n: number) => string;
}

export interface Progress {
  update(done: number, total: number | null): void;
  /** Clears the line (before the command prints its result). */
  clear(): void;
}

const grouped = (n: number): string => Math.round(n).toLocaleString('en-GB');

export function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export function progressLine(label: string, unit: string, o: ProgressOptions = {}): Progress {
  const stream = o.stream ?? process.stderr;
  const on = (o.enabled ?? true) && stream.isTTY === true;
  const now = o.now ?? Date.now;
  const every = o.minIntervalMs ?? 200;
  const fmt = o.format ?? grouped;
  const started = now();
  let last = Number.NEGATIVE_INFINITY;
  let shown = false;
  return {
    update(done, total) {
      if (!on) return;
      const t = now();
      const finished = total !== null && done >= total;
      if (t - last < every && !finished) return;
      last = t;
      const seconds = (t - started) / 1000;
      const rate = seconds > 0 ? done / seconds : 0;
      const parts = [`${label}: ${fmt(done)}${total === null ? '' : ` of ${fmt(total)}`} ${unit}`];
      if (total !== null && total > 0) parts.push(`${Math.floor((done * 100) / total)}%`);
      if (rate > 0) parts.push(`${fmt(rate)} ${unit}/s`);
      if (total !== null && rate > 0 && !finished) parts.push(`${duration((total - done) / rate)} left`);
      stream.write(`\r\x1b[2K${parts.join(', ')}`);
      shown = true;
    },
    clear() {
      if (shown) stream.write('\r\x1b[2K');
      shown = false;
    },
  };
}
