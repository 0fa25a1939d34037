import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { COMPATIBILITY, SchemaType, type SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { projectDir } from '../project-dir.js';
import { S1migError } from '../../core/errors/s1mig-error.js';
import type { TopicPlanEntry } from '../topics/definitions.js';

export interface RegisteredSchema {
  subject: string;
  schema: string;
  id: number;
}

export function avroDir(): string {
  return join(projectDir(), 'avro');
}

export function readAvroSchema(name: string): string {
  const path = join(avroDir(), `${name}.avsc`);
  try {
    const text = readFileSync(path, 'utf8');
    JSON.parse(text);
    return text;
  } catch (cause) {
    throw new S1migError('CONFIG_INVALID', `cannot read Avro schema ${path}`, { cause });
  }
}

export function listAvroSchemas(): string[] {
  return readdirSync(avroDir()).filter((f) => f.endsWith('.avsc')).map((f) => f.slice(0, -5)).sort();
}

/**
 * Registers each topic's value schema under `<topic>-value` with BACKWARD compatibility:
 * consumers on the new schema can read what producers on the old one wrote. An incompatible
 * change is refused by the registry and reported as SCHEMA_INCOMPATIBLE.
 */
export async function applySchemas(registry: SchemaRegistry, plan: readonly TopicPlanEntry[]): Promise<RegisteredSchema[]> {
  const out: RegisteredSchema[] = [];
  for (const p of plan) {
    if (!p.valueSchema) continue;
    const subject = `${p.topic}-value`;
    const schema = readAvroSchema(p.valueSchema);
    try {
      const { id } = await registry.register({ type: SchemaType.AVRO, schema }, { subject, compatibility: COMPATIBILITY.BACKWARD });
      out.push({ subject, schema: p.valueSchema, id });
    } catch (cause) {
      const status = (cause as { status?: number }).status;
      if (status === 409) throw new S1migError('SCHEMA_INCOMPATIBLE', `${p.valueSchema}.avsc is not BACKWARD compatible with the latest version of ${subject}`, { cause });
      throw new S1migError('REGISTRY_UNAVAILABLE', `registering ${subject} failed: ${(cause as Error).message}`, { cause });
    }
  }
  return out;
}
