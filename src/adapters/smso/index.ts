import type { SmsoAdapter } from '../../core/contracts/smso.js';
import { SmsoSimulator, type SimulatorSettings } from './simulator.js';

/** The SMSO adapters of a process, one per configured SMSO (locally all simulators). */
export function createSmsoAdapters(smso: Readonly<Record<string, { readonly adapter: 'simulator'; readonly simulator: SimulatorSettings }>>): Map<string, SmsoAdapter> {
  const out = new Map<string, SmsoAdapter>();
  for (const [code, c] of Object.entries(smso)) {
    // 'simulator' is the only adapter so far; the configuration refuses any other.
    if (c.adapter === 'simulator') out.set(code, new SmsoSimulator(code, c.simulator));
  }
  return out;
}
