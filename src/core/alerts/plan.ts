/**
 * Who gets which alert for one enrolment result (pure): one alert per meter, to that
 * meter's Responsible Supplier, when the supplier directory says it takes S1SP alerts.
 */
import type { SupplierEntry } from '../inputs/authorisations.js';
import type { AlertCode, AlertSkipReason } from './alert-codes.js';

export interface AlertMeter {
  readonly deviceId: string;
  readonly deviceType: string;
  readonly responsibleSupplier: string | null;
}

export interface PlannedAlert {
  readonly recipient: string;
  readonly deviceId: string;
  readonly code: AlertCode;
}

export interface AlertPlan {
  readonly alerts: readonly PlannedAlert[];
  readonly skipped: ReadonlyArray<{ readonly deviceId: string; readonly supplier: string | null; readonly reason: AlertSkipReason }>;
}

const METER_TYPES = new Set(['ESME', 'GSME']);

/** True for `MAJOR.MINOR` at or above 3.0. */
export function takesS1spAlerts(duisVersion: string): boolean {
  const m = /^([0-9]{1,4})\.([0-9]{1,4})$/.exec(duisVersion);
  return m !== null && Number(m[1]) >= 3;
}

/** What one cause's plan sent and left unsent, by reason (an outcome carries it; the report sums it). */
export interface AlertCounts {
  readonly sent: number;
  readonly supplierUnknown: number;
  readonly duisBelow3: number;
}

export const NO_ALERTS: AlertCounts = Object.freeze({ sent: 0, supplierUnknown: 0, duisBelow3: 0 });

export function countsOf(plan: AlertPlan): AlertCounts {
  let supplierUnknown = 0;
  let duisBelow3 = 0;
  for (const s of plan.skipped) {
    if (s.reason === 'supplier-unknown') supplierUnknown++;
    else duisBelow3++;
  }
  return { sent: plan.alerts.length, supplierUnknown, duisBelow3 };
}

export function planAlerts(code: AlertCode, devices: readonly AlertMeter[], directory: (supplier: string) => SupplierEntry | undefined): AlertPlan {
  const alerts: PlannedAlert[] = [];
  const skipped: Array<AlertPlan['skipped'][number]> = [];
  for (const d of devices) {
    if (!METER_TYPES.has(d.deviceType)) continue;
    const entry = d.responsibleSupplier === null ? undefined : directory(d.responsibleSupplier);
    if (entry === undefined) skipped.push({ deviceId: d.deviceId, supplier: d.responsibleSupplier, reason: 'supplier-unknown' });
    else if (!takesS1spAlerts(entry.duisVersion)) skipped.push({ deviceId: d.deviceId, supplier: d.responsibleSupplier, reason: 'duis-below-3' });
    else alerts.push({ recipient: d.responsibleSupplier!, deviceId: d.deviceId, code });
  }
  return { alerts, skipped };
}
