import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/** The installed project's root (holds package.json, topics/, avro/), from src/ or dist/src/. */
export function projectDir(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'topics'))) return (cached = dir);
    dir = dirname(dir);
  }
  throw new Error('s1mig project root not found');
}
