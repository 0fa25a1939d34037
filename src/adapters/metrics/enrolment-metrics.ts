import { Counter, Gauge, type Registry } from 'prom-client';

/**
 * The enrolment stage's metrics (docs/operations.md lists them; a test keeps the table in
 * sync): per SMSO what is in flight, waiting and started, the day capacity used and
 * reserved, failures by code, the installations not authorised by cause; per MA the quantity
 * used; the SMI changes by status; the S1SP alerts sent, and those not sent by reason.
 */
export class EnrolmentMetrics {
  readonly inFlight: Gauge<'smso'>;
  readonly waiting: Gauge<'smso'>;
  readonly started: Counter<'smso'>;
  readonly dayUsed: Gauge<'smso' | 'day'>;
  readonly dayReserved: Gauge<'smso' | 'day'>;
  readonly outcomes: Counter<'smso' | 'status'>;
  readonly failures: Counter<'smso' | 'code'>;
  readonly notAuthorised: Counter<'smso' | 'cause'>;
  readonly maUsed: Gauge<'ma' | 'claim'>;
  readonly smiChanges: Counter<'status'>;
  readonly capacity: Gauge<'smso' | 'limit'>;
  readonly alerts: Counter<'code'>;
  readonly alertsNotSent: Counter<'code' | 'reason'>;
  readonly alertSignErrors: Counter;

  constructor(registry: Registry) {
    const r = [registry];
    this.inFlight = new Gauge({ name: 's1mig_enrolment_in_flight', help: 'commissioning operations in flight, per SMSO', labelNames: ['smso'], registers: r });
    this.waiting = new Gauge({ name: 's1mig_enrolment_waiting', help: 'installations waiting for capacity or their day in this process (the rest wait in Kafka), per SMSO', labelNames: ['smso'], registers: r });
    this.started = new Counter({ name: 's1mig_enrolment_started_total', help: 'migration attempts started, per SMSO (rate() gives started per second)', labelNames: ['smso'], registers: r });
    this.dayUsed = new Gauge({ name: 's1mig_enrolment_day_capacity_used', help: 'installations started on a migration day, per SMSO and day', labelNames: ['smso', 'day'], registers: r });
    this.dayReserved = new Gauge({ name: 's1mig_enrolment_day_capacity_reserved', help: 'unused commitment of the SMSO\'s MAs for the day (reserved for committed installations)', labelNames: ['smso', 'day'], registers: r });
    this.outcomes = new Counter({ name: 's1mig_enrolment_outcomes_total', help: 'enrolment outcomes, per SMSO and migration status', labelNames: ['smso', 'status'], registers: r });
    this.failures = new Counter({ name: 's1mig_enrolment_failures_total', help: 'failed migration attempts, per SMSO and ENR_ code', labelNames: ['smso', 'code'], registers: r });
    this.notAuthorised = new Counter({ name: 's1mig_enrolment_not_authorised_total', help: 'installations INST_NOT_AUTHORISED or otherwise not enrolled, per SMSO and cause (checks, quantity, day-ended)', labelNames: ['smso', 'cause'], registers: r });
    this.maUsed = new Gauge({ name: 's1mig_ma_quantity_used', help: 'installations an MA has used, by claim (committed, excess)', labelNames: ['ma', 'claim'], registers: r });
    this.smiChanges = new Counter({ name: 's1mig_smi_changes_total', help: 'SMI records written, by the status they record (none: rolled back to absent)', labelNames: ['status'], registers: r });
    this.capacity = new Gauge({ name: 's1mig_enrolment_capacity', help: 'configured SMSO capacity, by limit (maxInFlight, perSecond, perDay): what alert rules compare the usage gauges with', labelNames: ['smso', 'limit'], registers: r });
    this.alerts = new Counter({ name: 's1mig_alerts_total', help: 'S1SP alerts published (committed), by alert code', labelNames: ['code'], registers: r });
    this.alertsNotSent = new Counter({ name: 's1mig_alerts_not_sent_total', help: 'meters whose supplier got no S1SP alert, by alert code and reason (supplier-unknown, duis-below-3)', labelNames: ['code', 'reason'], registers: r });
    this.alertSignErrors = new Counter({ name: 's1mig_alerts_sign_errors_total', help: 'S1SP alerts that could not be written and signed (the lane pass that needed them fails and is replayed from its committed offset)', registers: r });
  }

  /**
   * A configured SMSO: its capacity gauges, and its per-SMSO series at zero from the start.
   * A series that first appears at its first event hides that event from increase() and
   * rate() (Prometheus has no earlier sample), and a gauge never set shows "no data" where
   * an operator expects 0 (a dashboard panel, an alert rule's operand).
   */
  configured(smso: string, limits: Readonly<Record<'maxInFlight' | 'perSecond' | 'perDay', number>>, failureCodes: readonly string[]): void {
    for (const limit of ['maxInFlight', 'perSecond', 'perDay'] as const) this.capacity.set({ smso, limit }, limits[limit]);
    this.inFlight.set({ smso }, 0);
    this.waiting.set({ smso }, 0);
    this.started.inc({ smso }, 0);
    for (const code of failureCodes) this.failures.inc({ smso, code }, 0);
  }
}
