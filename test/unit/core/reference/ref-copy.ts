import { mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const VECTOR_REF = fileURLToPath(new URL('../../../../../shared/fixtures/mcf-vectors/ref/', import.meta.url));

/** A writable copy of a directory tree (the fixtures are read-only). */
export function copyTree(src: string, dst: string): void {
  mkdirSync(dst, { recursive: true });
  for (const name of readdirSync(src)) {
    const s = join(src, name);
    if (statSync(s).isDirectory()) copyTree(s, join(dst, name));
    else writeFileSync(join(dst, name), readFileSync(s));
  }
}

/** A fresh writable copy of the vector reference directory. */
export function refCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 's1mig-ref-'));
  copyTree(VECTOR_REF, dir);
  return dir;
}
