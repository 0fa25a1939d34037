/**
 * Structured JSON logs, one object per line on stderr. Never pass key material or
 * credentials; as a second line of defence, fields whose name says secret are redacted.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

/** Field names whose values are never written, at any depth (`sasl.password`, `privateKey`, `token`...). */
export const REDACTED_FIELD = /pass(word|phrase)?$|secret|token|private|credential|^key$|keyPem|authorization|cookie/i;
export const REDACTED = '[redacted]';
const MAX_DEPTH = 6;

export function createLogger(options: { level?: LogLevel; base?: Record<string, unknown>; write?: (line: string) => void } = {}): Logger {
  const min = ORDER[options.level ?? (process.env['S1MIG_LOG_LEVEL'] as LogLevel | undefined) ?? 'info'] ?? ORDER.info;
  const write = options.write ?? ((line: string) => void process.stderr.write(line + '\n'));
  const base = options.base ?? {};
  // Stacks are for whoever debugs: at debug level only, so an info log stays one short line per event.
  const stacks = min <= ORDER.debug;
  const emit = (level: LogLevel, msg: string, fields?: Record<string, unknown>): void => {
    if (ORDER[level] < min) return;
    const extra = clean({ ...base, ...fields }, stacks, 0) as Record<string, unknown>;
    write(JSON.stringify({ time: new Date().toISOString(), level, msg, ...extra }));
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => createLogger({ ...options, base: { ...base, ...fields } }),
  };
}

/** A copy fit to log: errors as their message and code (stack and cause at debug), secrets redacted. */
function clean(value: unknown, stacks: boolean, depth: number): unknown {
  if (value instanceof Error) {
    const e = value as Error & { code?: unknown; retriable?: unknown };
    return {
      message: e.message,
      ...(e.code !== undefined ? { code: e.code } : {}),
      ...(e.retriable !== undefined ? { retriable: e.retriable } : {}),
      ...(stacks && e.stack ? { stack: e.stack } : {}),
      ...(stacks && e.cause !== undefined && depth < MAX_DEPTH ? { cause: clean(e.cause, stacks, depth + 1) } : {}),
    };
  }
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[deep]';
  if (Buffer.isBuffer(value) || ArrayBuffer.isView(value)) return `[${(value as ArrayBufferView).byteLength} bytes]`;
  if (Array.isArray(value)) return value.map((v) => clean(v, stacks, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = REDACTED_FIELD.test(k) && v !== null && v !== undefined ? REDACTED : clean(v, stacks, depth + 1);
  return out;
}

export const silentLogger: Logger = {
  debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined, child: () => silentLogger,
};
