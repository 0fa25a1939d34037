/**
 * The alerts of one decision pass: planned beside the outcomes and SMI changes that cause
 * them and written in the same transaction (enrolment.md "S1SP alerts"), so a read_committed
 * consumer sees each exactly once. Signing is on the main thread: 33 µs an alert measured,
 * 3 % of one core at the bench's rate (docs/performance.md, "Enrolment").
 */
import type { Message } from 'kafkajs';
import type { AlertCode } from '../../core/alerts/alert-codes.js';
import { renderAlert } from '../../core/alerts/duis-alert.js';
import { countsOf, planAlerts, type AlertCounts, type AlertMeter } from '../../core/alerts/plan.js';
import type { SupplierEntry } from '../../core/inputs/authorisations.js';
import type { AlertSigner } from '../../core/reference/alert-signing.js';
import type { RecordCodec } from '../codecs.js';
import type { AlertRecord } from '../records.js';
import type { TopicMessages } from '../runtime/stage.js';

export interface AlertDeps {
  readonly signer: AlertSigner;
  readonly codec: RecordCodec<AlertRecord>;
  readonly supplier: (eui: string) => SupplierEntry | undefined;
  readonly counted: { sent(code: AlertCode): void; skipped(code: AlertCode, reason: string): void; signError(): void };
}

export interface AlertCause {
  readonly code: AlertCode;
  readonly meters: readonly AlertMeter[];
  readonly requestId: string | null;
  readonly additionalInformation: string | null;
  readonly atMs: number;
  readonly fileKey: string;
  readonly installationId: string;
  readonly smso: string;
}

/** Collects a pass's alerts; nothing is counted until the pass committed (`committed`). */
export class PassAlerts {
  private readonly records: AlertRecord[] = [];
  private readonly skips: Array<[AlertCode, string]> = [];

  constructor(private readonly d: AlertDeps) {}

  /** Plans, signs and keeps the alerts of one cause; returns what it sent and left unsent. */
  add(c: AlertCause): AlertCounts {
    const plan = planAlerts(c.code, c.meters, this.d.supplier);
    for (const s of plan.skipped) this.skips.push([c.code, s.reason]);
    for (const a of plan.alerts) {
      let xml: string;
      try {
        xml = renderAlert({ requestId: c.requestId, deviceId: a.deviceId, code: a.code,
          additionalInformation: c.additionalInformation, atMs: c.atMs }, this.d.signer.privateKey, this.d.signer.identity);
      } catch (err) {
        // The pass fails with it: nothing of it is written and the lane replays from its committed offset. Counted for the alert rule.
        this.d.counted.signError();
        throw err;
      }
      this.records.push({
        recipient: a.recipient, alertId: `${c.requestId ?? `${c.fileKey}/${c.installationId}`}|${a.code}|${a.deviceId}`, code: a.code, deviceId: a.deviceId,
        requestId: c.requestId, additionalInformation: c.additionalInformation, atMs: c.atMs, fileKey: c.fileKey, installationId: c.installationId, smso: c.smso, xml,
      });
    }
    return countsOf(plan);
  }

  async messages(): Promise<TopicMessages[]> {
    if (this.records.length === 0) return [];
    const messages: Message[] = [];
    for (const r of this.records) messages.push({ key: r.recipient, value: await this.d.codec.encode(r) });
    return [{ topic: this.d.codec.topic, messages }];
  }

  committed(): void {
    for (const r of this.records) this.d.counted.sent(r.code as AlertCode);
    for (const [code, reason] of this.skips) this.d.counted.skipped(code, reason);
  }
}
