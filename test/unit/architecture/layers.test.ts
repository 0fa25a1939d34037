/**
 * The folder tree is the architecture (docs/architecture.md): these rules keep it so. Every
 * import of every module under src/ is read (type imports too: they are dependencies), and
 * a core module importing an adapter, Kafka, HTTP, the pool or the CLI, a layer importing
 * one above it, or a cycle between modules fails here.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../../src/', import.meta.url));

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

interface Import { readonly from: string; readonly to: string }

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function imports(): Import[] {
  const out: Import[] = [];
  for (const f of files(SRC)) {
    const text = readFileSync(f, 'utf8');
    for (const m of text.matchAll(IMPORT)) {
      const spec = m[1] ?? m[2]!;
      const to = spec.startsWith('.') ? relative(SRC, resolve(dirname(f), spec)).replace(/\.js$/, '.ts') : spec;
      out.push({ from: relative(SRC, f), to });
    }
  }
  return out;
}

const LAYERS = ['core', 'adapters', 'pipeline', 'jobs', 'cli', 'api'] as const;
const layerOf = (path: string): string => path.split('/')[0]!;
/** A module: a folder of a layer (core/x509, adapters/pool), or a file directly in one. */
const moduleOf = (path: string): string => {
  const parts = path.split('/');
  return parts.length > 2 ? `${parts[0]}/${parts[1]}` : path.replace(/\.ts$/, '');
};

/** What each layer may import (besides itself): strictly downwards, the CLI on top. */
const ALLOWED: Record<string, readonly string[]> = {
  core: [],
  adapters: ['core'],
  pipeline: ['core', 'adapters'],
  jobs: ['core', 'adapters', 'pipeline'],
  cli: ['core', 'adapters', 'pipeline', 'jobs'],
  api: ['core', 'adapters', 'pipeline', 'jobs'],
};
const IO_PACKAGES = ['kafkajs', '@kafkajs/confluent-schema-registry', 'prom-client', 'piscina', 'node:http', 'node:https', 'node:net', 'node:child_process', 'node:worker_threads'];

describe('the layers of src/', () => {
  const all = imports();
  const local = all.filter((i) => !i.to.startsWith('node:') && LAYERS.some((l) => i.to.startsWith(`${l}/`)) );

  it('has only its layers at its top (the CLI and the library API side by side on top), and nothing loose beside them', () => {
    const top = readdirSync(SRC).sort();
    expect(top).toEqual([...LAYERS].sort());
  });

  it('lets every layer import only the layers below it', () => {
    const bad = local.filter((i) => layerOf(i.from) !== layerOf(i.to) && !ALLOWED[layerOf(i.from)]!.includes(layerOf(i.to)));
    expect(bad.map((i) => `${i.from} -> ${i.to}`)).toEqual([]);
  });

  it('keeps the pure core free of Kafka, the registry, metrics, HTTP, processes and the pool', () => {
    const bad = all.filter((i) => layerOf(i.from) === 'core' && IO_PACKAGES.includes(i.to));
    expect(bad.map((i) => `${i.from} -> ${i.to}`)).toEqual([]);
  });

  it('has no import cycle between modules', () => {
    const graph = new Map<string, Set<string>>();
    for (const i of local) {
      const a = moduleOf(i.from);
      const b = moduleOf(i.to);
      if (a === b) continue;
      if (!graph.has(a)) graph.set(a, new Set());
      graph.get(a)!.add(b);
    }
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const stack: string[] = [];
    const visit = (n: string): void => {
      state.set(n, 'open');
      stack.push(n);
      for (const m of graph.get(n) ?? []) {
        if (state.get(m) === 'open') cycles.push([...stack.slice(stack.indexOf(m)), m].join(' -> '));
        else if (!state.has(m)) visit(m);
      }
      stack.pop();
      state.set(n, 'done');
    };
    for (const n of graph.keys()) if (!state.has(n)) visit(n);
    expect(cycles).toEqual([]);
  });

  it('sees the imports it checks (the rules are not vacuous)', () => {
    expect(local.length).toBeGreaterThan(300);
    expect(local.some((i) => i.from.startsWith('pipeline/') && i.to.startsWith('core/'))).toBe(true);
    expect(all.some((i) => i.from.startsWith('adapters/kafka/') && i.to === 'kafkajs')).toBe(true);
  });
});
