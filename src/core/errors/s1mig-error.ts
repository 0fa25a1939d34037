import { INTERNAL_ERRORS, type InternalCode } from './codes.js';

/** The product's error shape: a code from the catalogue, a cause, and whether a retry can help. */
export interface S1migErrorShape {
  readonly code: InternalCode;
  readonly message: string;
  readonly retriable: boolean;
  readonly cause?: unknown;
}

export class S1migError extends Error implements S1migErrorShape {
  readonly code: InternalCode;
  readonly retriable: boolean;

  constructor(code: InternalCode, message: string, options: { cause?: unknown; retriable?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'S1migError';
    this.code = code;
    this.retriable = options.retriable ?? INTERNAL_ERRORS[code].retriable;
  }
}

/** Reads the catalogue code of any thrown value (by its `code` field, never by class). */
export function errorCode(err: unknown): InternalCode | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = (err as { code: unknown }).code;
    if (typeof code === 'string' && Object.hasOwn(INTERNAL_ERRORS, code)) return code as InternalCode;
  }
  return undefined;
}

export function isRetriable(err: unknown): boolean {
  if (typeof err === 'object' && err !== null && 'retriable' in err) {
    return (err as { retriable: unknown }).retriable === true;
  }
  return false;
}

/** CLI exit status for an error: the catalogue's, or 3 (internal) for anything unknown. */
export function exitStatusOf(err: unknown): number {
  const code = errorCode(err);
  return code === undefined ? 3 : INTERNAL_ERRORS[code].exit;
}
