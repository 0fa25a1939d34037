/**
 * A reader that closes its end of our stdout (`s1mig validate ... | head`) is normal use,
 * not a failure: the command ends quietly with the status it would have had.
 */
export function isClosedOutput(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED' || code === 'ERR_STREAM_PREMATURE_CLOSE';
}

/**
 * Keeps a closed stdout from becoming an unhandled 'error' event (a crash with a stack
 * trace): later writes go nowhere. Installed once by the CLI's entry point.
 */
export function tolerateClosedStdout(stream: NodeJS.WriteStream = process.stdout): void {
  stream.on('error', (err: unknown) => {
    if (!isClosedOutput(err)) throw err;
  });
}
