import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { projectDir } from '../project-dir.js';
import { S1migError } from '../../core/errors/s1mig-error.js';
import type { LocalInstanceOptions } from '../config/local-instance.js';
import { findMaven } from './java.js';

/** deploy/local of the installed project (works from src/ under vitest and from dist/). */
export function deployDir(): string {
  return join(projectDir(), 'deploy', 'local');
}

// Pinned: Maven 3.8's default binding of the dependency plugin is the old 2.8.
const DEP_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1';

function runMaven(args: string[], what: string, log: (line: string) => void): void {
  const mvn = findMaven();
  log(`fetching ${what} from Maven Central (once; cached afterwards)...`);
  const r = spawnSync(mvn, ['-B', '-q', ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.error || r.status !== 0) {
    const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.split('\n').filter((l) => /ERROR/.test(l)).slice(0, 3).join(' | ');
    throw new S1migError(
      'LOCAL_PREREQUISITE',
      `could not fetch ${what} with Maven (network to Maven Central? proxy settings in ~/.m2/settings.xml?): ${out || r.error?.message || `exit ${r.status}`}`,
    );
  }
}

/** Fetches into a temporary folder and renames it into place, so a half fetch is never used. */
function atomically(target: string, fill: (tmp: string) => void): void {
  if (existsSync(target)) return;
  mkdirSync(dirname(target), { recursive: true });
  const tmp = `${target}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    fill(tmp);
    if (!existsSync(target)) renameSync(tmp, target);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** The Kafka classpath folder (`libs/*`), fetched on first use. */
export function ensureKafkaLibs(o: LocalInstanceOptions, log: (line: string) => void): string {
  const target = join(o.cacheDir, `kafka-${o.kafkaVersion}`);
  atomically(target, (tmp) => {
    runMaven(
      ['-f', join(deployDir(), 'kafka-runtime.pom.xml'), `-Dkafka.version=${o.kafkaVersion}`, `${DEP_PLUGIN}:copy-dependencies`,
        `-DoutputDirectory=${join(tmp, 'libs')}`, '-DincludeScope=runtime'],
      `Apache Kafka ${o.kafkaVersion}`, log);
    if (!existsSync(join(tmp, 'libs')) || !readdirSync(join(tmp, 'libs')).some((f) => f.startsWith('kafka_2.13-'))) {
      throw new S1migError('LOCAL_PREREQUISITE', 'Maven finished but kafka_2.13 is not among the fetched jars');
    }
  });
  return join(target, 'libs');
}

/** The Apicurio runner jar, from the `tar.gz:all` archive on Maven Central (no runner jar is published alone). */
export function ensureRegistryJar(o: LocalInstanceOptions, log: (line: string) => void): string {
  const target = join(o.cacheDir, `apicurio-registry-${o.registryVersion}`);
  atomically(target, (tmp) => {
    runMaven(
      ['-f', join(deployDir(), 'kafka-runtime.pom.xml'), `${DEP_PLUGIN}:copy`,
        `-Dartifact=io.apicurio:apicurio-registry-app:${o.registryVersion}:tar.gz:all`, `-DoutputDirectory=${tmp}`],
      `Apicurio Registry ${o.registryVersion}`, log);
    const archive = readdirSync(tmp).find((f) => f.endsWith('.tar.gz'));
    if (!archive) throw new S1migError('LOCAL_PREREQUISITE', 'Maven finished but the Apicurio archive is missing');
    const r = spawnSync('tar', ['xzf', join(tmp, archive), '-C', tmp], { encoding: 'utf8' });
    if (r.status !== 0) throw new S1migError('LOCAL_PREREQUISITE', `cannot unpack ${archive}: ${r.stderr}`);
    rmSync(join(tmp, archive));
  });
  const jar = readdirSync(target).find((f) => f.endsWith('-runner.jar'));
  if (!jar) throw new S1migError('LOCAL_PREREQUISITE', `no runner jar in ${target}; remove that folder to fetch again`);
  return join(target, jar);
}
