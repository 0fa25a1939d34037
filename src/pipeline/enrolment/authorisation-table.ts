import type { Admin, Kafka } from 'kafkajs';
import { fileAuthorisation, NO_USAGE } from '../../core/enrolment/quantity.js';
import type { MigrationAuthorisation } from '../../core/inputs/authorisations.js';
import { londonDay } from '../../core/inputs/london-day.js';
import type { RecordCodec } from '../codecs.js';
import type { EnrolmentStateRecord } from '../records.js';
import { CompactedTable, type UndecodableHandler } from '../tables/compacted-table.js';
import { laterStateRow, stateKey } from './tables.js';

/**
 * What the splitter needs to reject a Migration file whose MA does not cover it
 * (MCF_NOT_AUTHORISED): the MA table and the quantities the enrolment stage has used.
 */
export class AuthorisationTable {
  private readonly mas: CompactedTable<MigrationAuthorisation>;
  private readonly state: CompactedTable<EnrolmentStateRecord>;

  constructor(kafka: Kafka, admin: Admin, codecs: { ma: RecordCodec<MigrationAuthorisation>; state: RecordCodec<EnrolmentStateRecord> }, groupStem: string,
    onUndecodable?: UndecodableHandler) {
    const skip = onUndecodable ? { onUndecodable } : {};
    this.mas = new CompactedTable(kafka, admin, { topic: codecs.ma.topic, groupStem: `${groupStem}-ma`, decode: (v) => codecs.ma.decode(v), ...skip });
    this.state = new CompactedTable(kafka, admin, { topic: codecs.state.topic, groupStem: `${groupStem}-state`, decode: (v) => codecs.state.decode(v),
      merge: laterStateRow, ...skip });
  }

  async start(): Promise<void> {
    await Promise.all([this.mas.start(), this.state.start()]);
  }

  async catchUp(): Promise<void> {
    await Promise.all([this.mas.catchUp(), this.state.catchUp()]);
  }

  async stop(): Promise<void> {
    await Promise.allSettled([this.mas.stop(), this.state.stop()]);
  }

  /** Null when the MA covers a file of `smso` now, else the reason it does not. */
  check(reference: string, smso: string, nowMs: number): string | null {
    const usage = this.state.get(stateKey.ma(reference))?.ma ?? NO_USAGE;
    return fileAuthorisation(reference, this.mas.get(reference), usage, smso, nowMs, (d) => londonDay(d).endMs);
  }
}
