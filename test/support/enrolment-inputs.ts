/** Test helper (not a test): the enrolment inputs a Migration-file test starts from, published as an operator would. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { londonDate } from '../../src/core/inputs/london-day.js';
import { publishInputFile } from '../../src/jobs/inputs/publish-inputs.js';
import type { World } from '../integration/processor-runner.js';

/** Supplier A (90-B3-D5-1F-30-01-00-00), the generated files' responsible supplier. */
export const SUPPLIER_A = '90b3d51f30010000';

/**
 * One MA of today's London day for MDS, supplier A, `quantity` requested and committed, and
 * supplier A in the supplier directory (DUIS 5.4, so it takes alerts). Fails the test if a
 * publication is refused.
 */
export async function publishMaAndSupplier(world: World, reference: string, quantity: number): Promise<void> {
  const inputs = { kafka: world.res.kafka, registry: world.registry, plan: world.plan, prefix: world.config.topics.prefix };
  const ma = join(world.dir, `${reference}.csv`);
  writeFileSync(ma, `reference,supplier,smso,migrationDate,requested,committed\n${reference},90-B3-D5-1F-30-01-00-00,MDS,${londonDate(Date.now())},${quantity},${quantity}\n`);
  const suppliers = join(world.dir, `${reference}-suppliers.csv`);
  writeFileSync(suppliers, 'supplier,duisVersion,name\n90-B3-D5-1F-30-01-00-00,5.4,Supplier A\n');
  for (const [kind, file] of [['ma', ma], ['suppliers', suppliers]] as const) {
    const r = await publishInputFile(inputs, kind, file);
    if (!r.ok) throw new Error(`${kind} ${file} was refused: ${JSON.stringify(r)}`);
  }
}
