import type { Admin, Kafka, Message } from 'kafkajs';
import type { ChfFacts, LaneView } from '../../core/enrolment/decide.js';
import { NO_USAGE, unusedCommitment, type MaUsage } from '../../core/enrolment/quantity.js';
import type { SmiRecord } from '../../core/enrolment/smi.js';
import { laterSmi } from '../../core/enrolment/smi.js';
import type { MigrationAuthorisation, SupplierEntry } from '../../core/inputs/authorisations.js';
import type { RecordCodec } from '../codecs.js';
import type { EnrolmentStateRecord, SmiTopicRecord } from '../records.js';
import { CompactedTable, type UndecodableHandler } from '../tables/compacted-table.js';
import type { TopicMessages } from '../runtime/stage.js';

/** Keys of the enrolment state topic (avro/enrolment-state.avsc). */
export const stateKey = {
  ma: (reference: string): string => `ma|${reference}`,
  day: (smso: string, date: string): string => `day|${smso}|${date}`,
  chf: (id: string): string => `chf|${id}`,
  lane: (partition: number): string => `lane|${partition}`,
};

export type ChfState = NonNullable<EnrolmentStateRecord['chf']>;

/** The later of two rows of the state topic: versions grow with every write of a key. */
export function laterStateRow(prev: EnrolmentStateRecord, next: EnrolmentStateRecord): EnrolmentStateRecord {
  return next.version >= prev.version ? next : prev;
}

/** The later of two SMI records as the topic holds them (see laterSmi: the history only grows). */
export function laterSmiRow(prev: SmiTopicRecord, next: SmiTopicRecord): SmiTopicRecord {
  return laterSmi(prev as SmiRecord, next as SmiRecord) as SmiTopicRecord;
}

export interface EnrolmentCodecs {
  readonly ma: RecordCodec<MigrationAuthorisation>;
  readonly state: RecordCodec<EnrolmentStateRecord>;
  readonly smi: RecordCodec<SmiTopicRecord>;
  readonly suppliers: RecordCodec<SupplierEntry>;
}

/**
 * The tables the enrolment stage decides from, one set per process: the MAs, the stage's own
 * state, the SMI and the supplier directory (alert recipients), each a compacted topic read by every process. A lane writes its rows in
 * the transaction of each decision and applies them here once it committed; the version
 * (state) and the history length (SMI) keep a late read of an older row from replacing them.
 */
export class EnrolmentTables {
  readonly ma: CompactedTable<MigrationAuthorisation>;
  readonly state: CompactedTable<EnrolmentStateRecord>;
  readonly smi: CompactedTable<SmiTopicRecord>;
  readonly suppliers: CompactedTable<SupplierEntry>;

  /** `onUndecodable`: a foreign record on one of the tables' topics, skipped (the stage logs it). */
  constructor(kafka: Kafka, admin: Admin, readonly codecs: EnrolmentCodecs, groupStem: string, onUndecodable?: UndecodableHandler) {
    const skip = onUndecodable ? { onUndecodable } : {};
    this.ma = new CompactedTable(kafka, admin, { topic: codecs.ma.topic, groupStem: `${groupStem}-ma`, decode: (v) => codecs.ma.decode(v), ...skip });
    this.state = new CompactedTable(kafka, admin, {
      topic: codecs.state.topic, groupStem: `${groupStem}-state`, decode: (v) => codecs.state.decode(v),
      merge: laterStateRow, ...skip,
    });
    this.smi = new CompactedTable(kafka, admin, {
      topic: codecs.smi.topic, groupStem: `${groupStem}-smi`, decode: (v) => codecs.smi.decode(v),
      merge: laterSmiRow, ...skip,
    });
    this.suppliers = new CompactedTable(kafka, admin, { topic: codecs.suppliers.topic, groupStem: `${groupStem}-suppliers`, decode: (v) => codecs.suppliers.decode(v), ...skip });
  }

  async start(): Promise<void> {
    await Promise.all([this.ma.start(), this.state.start(), this.smi.start(), this.suppliers.start()]);
  }

  async catchUp(timeoutMs?: number): Promise<void> {
    await Promise.all([this.ma.catchUp(timeoutMs), this.state.catchUp(timeoutMs), this.smi.catchUp(timeoutMs), this.suppliers.catchUp(timeoutMs)]);
  }

  async stop(): Promise<void> {
    await Promise.allSettled([this.ma.stop(), this.state.stop(), this.smi.stop(), this.suppliers.stop()]);
  }
}

/**
 * One decision pass's writes over the tables: what it reads sees its own writes, and they
 * reach the shared tables only after the pass's transaction committed (`apply`), so an
 * aborted pass leaves nothing behind.
 */
export class Overlay implements LaneView {
  private readonly stateRows = new Map<string, EnrolmentStateRecord>();
  private readonly smiRows = new Map<string, SmiTopicRecord>();
  private readonly commitmentCache = new Map<string, number>();

  constructor(private readonly t: EnrolmentTables, private readonly perDayOf: (smso: string) => number) {}

  get empty(): boolean {
    return this.stateRows.size === 0 && this.smiRows.size === 0;
  }

  row(key: string): EnrolmentStateRecord | undefined {
    return this.stateRows.get(key) ?? this.t.state.get(key);
  }

  /** Writes a state row, its version one above the current one. */
  put(key: string, part: Partial<Omit<EnrolmentStateRecord, 'version'>>): void {
    const prev = this.row(key);
    this.stateRows.set(key, { version: (prev?.version ?? 0) + 1, ma: null, day: null, chf: null, lane: null, ...part });
    if (key.startsWith('ma|')) this.commitmentCache.clear();
  }

  putSmi(rec: SmiRecord): void {
    this.smiRows.set(rec.deviceId, rec as SmiTopicRecord);
  }

  ma(reference: string): MigrationAuthorisation | undefined {
    return this.t.ma.get(reference);
  }

  maUsage(reference: string): MaUsage {
    return this.row(stateKey.ma(reference))?.ma ?? NO_USAGE;
  }

  chfState(id: string): ChfState | undefined {
    return this.row(stateKey.chf(id))?.chf ?? undefined;
  }

  chf(id: string): ChfFacts | undefined {
    return this.chfState(id);
  }

  smi(deviceId: string): SmiRecord | undefined {
    return (this.smiRows.get(deviceId) ?? this.t.smi.get(deviceId)) as SmiRecord | undefined;
  }

  dayStarted(smso: string, date: string): number {
    return this.row(stateKey.day(smso, date))?.day?.started ?? 0;
  }

  unusedCommitment(smso: string, date: string): number {
    const key = `${smso}|${date}`;
    let n = this.commitmentCache.get(key);
    if (n === undefined) {
      const mas = [...this.t.ma.entries()].filter(([, ma]) => ma.smso === smso && ma.migrationDate === date).map(([ref, ma]) => ({ ma, usage: this.maUsage(ref) }));
      n = unusedCommitment(mas);
      this.commitmentCache.set(key, n);
    }
    return n;
  }

  perDay(smso: string): number {
    return this.perDayOf(smso);
  }

  /** The pass's rows as messages of the state and SMI topics. */
  async messages(): Promise<TopicMessages[]> {
    const c = this.t.codecs;
    const state: Message[] = [];
    for (const [key, v] of this.stateRows) state.push({ key, value: await c.state.encode(v) });
    const smi: Message[] = [];
    for (const [key, v] of this.smiRows) smi.push({ key, value: await c.smi.encode(v) });
    return [{ topic: c.state.topic, messages: state }, { topic: c.smi.topic, messages: smi }];
  }

  forEachWrite(state: (key: string, row: EnrolmentStateRecord) => void, smi: (rec: SmiTopicRecord) => void): void {
    for (const [key, row] of this.stateRows) state(key, row);
    for (const rec of this.smiRows.values()) smi(rec);
  }

  /** After the transaction committed: the rows reach the shared tables. */
  apply(): void {
    for (const [key, v] of this.stateRows) this.t.state.set(key, v);
    for (const [key, v] of this.smiRows) this.t.smi.set(key, v);
  }
}
