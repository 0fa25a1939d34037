import { once } from 'node:events';
import type { Writable } from 'node:stream';

/** Where a report writer puts its text; `flush` resolves when everything was handed over. */
export interface TextOutput {
  write(text: string): Promise<void>;
  flush(): Promise<void>;
}

const FLUSH_AT = 64 * 1024;

/** Buffers small writes and honours the stream's backpressure. */
export function writableOutput(stream: Writable): TextOutput {
  let buffered = '';
  async function push(): Promise<void> {
    if (buffered === '') return;
    const text = buffered;
    buffered = '';
    if (!stream.write(text)) {
      // A stream that failed before this wait (a report file whose open or earlier write the
      // disk refused while the MCF was still being read) never drains: the wait hung for good.
      if (stream.errored !== null) throw stream.errored;
      await once(stream, 'drain');
    }
  }
  return {
    async write(text: string): Promise<void> {
      buffered += text;
      if (buffered.length >= FLUSH_AT) await push();
    },
    flush: push,
  };
}

/** Collects the text in memory (tests and small reports). */
export function stringOutput(): TextOutput & { text(): string } {
  const parts: string[] = [];
  return {
    async write(text: string): Promise<void> {
      parts.push(text);
    },
    async flush(): Promise<void> {},
    text: () => parts.join(''),
  };
}
