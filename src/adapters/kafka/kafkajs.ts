import Module, { createRequire } from 'node:module';
import type * as KafkaJs from 'kafkajs';
import { S1migError } from '../../core/errors/s1mig-error.js';
import { filterAbortedRecords, type FetchedRecord } from './aborted-filter.js';
import { crc32c } from './crc32c.js';
import { createSendMessages } from './send-messages.js';

/**
 * The only way the project loads kafkajs' code. Types may still come straight from
 * 'kafkajs'; values come from here.
 *
 * Before kafkajs loads, its read_committed filter (consumer/filterAbortedMessages.js) is
 * swapped for ours, which is correct (see aborted-filter.ts). kafkajs' Batch takes the
 * function when it loads, so the swap only works if it comes first. `assertReadCommitted()`
 * runs a known case through kafkajs' own Batch class. createKafka calls it, so a process
 * where the swap did not take refuses to start. It never goes on with a filter that hands
 * out aborted records. Its record batches' CRC-32C is swapped the same way, for speed.
 */
const require = createRequire(import.meta.url);
const FILTER_PATH = require.resolve('kafkajs/src/consumer/filterAbortedMessages.js');
const BATCH_PATH = require.resolve('kafkajs/src/consumer/batch.js');
const CRC_PATH = require.resolve('kafkajs/src/protocol/recordBatch/crc32C/index.js');
const RECORD_BATCH_PATH = require.resolve('kafkajs/src/protocol/recordBatch/v0/index.js');

/** Puts `exports` in the module cache under `path`, so that kafkajs' `require(path)` gets it. */
function preload(path: string, exports: unknown): void {
  const m = new Module(path);
  m.filename = path;
  m.loaded = true;
  m.exports = exports;
  require.cache[path] = m;
}

if (require.cache[BATCH_PATH] === undefined) {
  preload(FILTER_PATH, ({ messages, abortedTransactions }: { messages: FetchedRecord[]; abortedTransactions?: { producerId: string; firstOffset: string }[] }) =>
    filterAbortedRecords(messages, abortedTransactions));
}
// The record batches' CRC-32C, 8 bytes per step (crc32c.ts): the same checksums, cheaper.
// Only a speed-up, so no self-test: if another copy of kafkajs loaded first, it keeps its own.
if (require.cache[RECORD_BATCH_PATH] === undefined) preload(CRC_PATH, crc32c);

// The producer's send, with its retry corrected (send-messages.ts): a partition whose leader
// died is sent again to its new leader, where kafkajs sent it nowhere and lost it from the
// transaction. Checked by assertReadCommitted with the filter: it is a matter of exactly-once.
const SEND_MESSAGES_PATH = require.resolve('kafkajs/src/producer/sendMessages.js');
if (require.cache[SEND_MESSAGES_PATH] === undefined) preload(SEND_MESSAGES_PATH, createSendMessages);

const kafkajs = require('kafkajs') as typeof KafkaJs;
export const { Kafka, logLevel, ConfigResourceTypes } = kafkajs;

let verified = false;

/**
 * Checks, once per process, that kafkajs' Batch drops aborted records correctly. The case
 * is the one that leaked: two producers' transactions, both aborted, and a fetch that
 * starts inside them.
 */
export function assertReadCommitted(): void {
  if (verified) return;
  if (require(SEND_MESSAGES_PATH) !== createSendMessages) {
    throw new S1migError('INTERNAL', 'kafkajs loaded its own producer send, which loses records of a transaction when a partition leader fails over: src/adapters/kafka/kafkajs.ts must load before anything else loads kafkajs');
  }
  const Batch = require(BATCH_PATH) as new (topic: string, fetchedOffset: string, partitionData: unknown) => { messages: Array<{ offset: string }> };
  const rec = (offset: number, producerId: string, control: 'abort' | null = null): unknown => ({
    offset: String(offset),
    key: control === 'abort' ? Buffer.from([0, 0, 0, 0]) : Buffer.from('k'),
    value: control ? Buffer.alloc(6) : Buffer.from('v'),
    isControlRecord: control !== null,
    batchContext: { producerId, inTransaction: true },
    headers: {},
  });
  const batch = new Batch('self-test', '7', {
    partition: 0,
    highWatermark: '12',
    abortedTransactions: [{ producerId: '1', firstOffset: '6' }, { producerId: '2', firstOffset: '7' }],
    messages: [rec(7, '2'), rec(8, '1', 'abort'), rec(9, '2', 'abort'), rec(10, '3')],
  });
  const seen = batch.messages.map((m) => m.offset).join(',');
  if (seen !== '10') {
    throw new S1migError('INTERNAL', `kafkajs would hand out aborted records (self-test saw offsets ${seen}, wanted 10): src/kafka/kafkajs.js must load before anything else loads kafkajs`);
  }
  verified = true;
}
