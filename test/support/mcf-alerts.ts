/**
 * What enrolment.md's "S1SP alerts" says a set of final enrolment outcomes must yield, meter
 * by meter, read from the generated MCF itself (not from anything the pipeline wrote): the
 * integration tests compare the alerts topic against it.
 */
import { readFileSync } from 'node:fs';
import type { InstallationOutcomeRecord } from '../../src/pipeline/records.js';

export interface McfDevice { readonly id: string; readonly type: string; readonly parent: string | null; readonly supplier: string | null }
export interface McfInstallation { readonly type: string; readonly devices: readonly McfDevice[] }

const canon = (s: string): string => s.replaceAll('-', '').toLowerCase();

/** Each installation's devices (canonical ID, type, parent, supplier) and its MigrationType, in file order. */
export function installationsOf(file: string): McfInstallation[] {
  const field = (d: string, name: string): string | null => new RegExp(`<${name}>([^<]+)</${name}>`).exec(d)?.[1] ?? null;
  const opt = (v: string | null): string | null => (v === null ? null : canon(v));
  return readFileSync(file, 'utf8').split(/<Installation[ >]/).slice(1).map((block) => ({
    type: field(block, 'MigrationType')!,
    devices: block.split('<Device>').slice(1).map((d) => ({
      id: canon(field(d, 'DeviceID')!), type: field(d, 'DeviceType')!, parent: opt(field(d, 'Parent')), supplier: opt(field(d, 'ResponsibleSupplier')),
    })),
  }));
}

export interface ExpectedAlert { readonly recipient: string; readonly code: string; readonly requestId: string | null; readonly info: string | null }

/** How the test's supplier directory treats a supplier: it takes alerts, or the reason it gets none. */
export type Delivery = 'sent' | 'supplier-unknown' | 'duis-below-3';

/**
 * The alerts the final outcomes must have caused, by alertId (`<requestId or fileKey/installationId>|<code>|<meter>`),
 * and the meters left without one, by reason.
 */
export function expectedAlerts(outcomes: readonly InstallationOutcomeRecord[], insts: readonly McfInstallation[], delivery: (supplier: string | null) => Delivery): {
  want: Map<string, ExpectedAlert>; notSent: Map<string, number>;
} {
  const want = new Map<string, ExpectedAlert>();
  const notSent = new Map<string, number>();
  for (const o of outcomes) {
    const inst = insts[o.installationIndex]!;
    const m = o.migration!;
    const gsme = inst.devices.find((d) => d.type === 'GSME');
    const exhausted = m.status === 'not_enrolled' && o.errors.some((e) => e.code === 'INST_ATTEMPTS_EXHAUSTED');
    const code = exhausted ? 'S1MIG_MIGRATION_EXCLUDED'
      : ({ migrated: 'N55', migrated_partial: 'N55', migrated_dormant: 'S1MIG_DORMANT_MIGRATED', failed: 'S1MIG_MIGRATION_FAILED' } as Record<string, string>)[m.status];
    if (code === undefined) continue; // never reached an SMSO: no alert
    // A partial installation migrates all but its GSME and the GSME's children.
    const migrated = m.status === 'migrated_partial' || (m.status === 'failed' && o.status === 'partial')
      ? inst.devices.filter((d) => d !== gsme && d.parent !== gsme?.id) : inst.devices;
    for (const d of migrated.filter((x) => x.type === 'ESME' || x.type === 'GSME')) {
      const how = delivery(d.supplier);
      if (how !== 'sent') notSent.set(how, (notSent.get(how) ?? 0) + 1);
      else want.set(`${m.requestId ?? `${o.fileKey}/${o.installationId}`}|${code}|${d.id}`, { recipient: d.supplier!, code, requestId: m.requestId, info: m.status === 'failed' ? m.code : null });
    }
  }
  return { want, notSent };
}
