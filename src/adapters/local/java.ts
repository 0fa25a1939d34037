import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { S1migError } from '../../core/errors/s1mig-error.js';

const HINT = 'install a Java 17 runtime (Debian: apt-get install openjdk-17-jre-headless) or set S1MIG_JAVA_HOME';

function majorVersion(javaBin: string): number | null {
  const r = spawnSync(javaBin, ['-version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return null;
  const m = /version "(\d+)(?:\.(\d+))?/.exec(r.stderr + r.stdout);
  if (!m) return null;
  const major = Number(m[1]);
  return major === 1 ? Number(m[2]) : major;
}

/**
 * Finds a Java 17 `java` binary. Both JVMs (Kafka 3.9, Apicurio 2.6) run on 17; the machine
 * may carry newer JDKs too, so the PATH is not trusted blindly.
 */
export function findJava17(explicitHome: string): string {
  const candidates: string[] = [];
  if (explicitHome) candidates.push(join(explicitHome, 'bin', 'java'));
  if (process.env['JAVA_HOME']) candidates.push(join(process.env['JAVA_HOME'], 'bin', 'java'));
  if (existsSync('/usr/lib/jvm')) {
    for (const d of readdirSync('/usr/lib/jvm').sort()) {
      if (/17/.test(d)) candidates.push(join('/usr/lib/jvm', d, 'bin', 'java'));
    }
  }
  candidates.push('java');
  for (const c of candidates) {
    if (c !== 'java' && !existsSync(c)) continue;
    if (majorVersion(c) === 17) return c;
  }
  if (explicitHome) throw new S1migError('LOCAL_PREREQUISITE', `S1MIG_JAVA_HOME=${explicitHome} is not a Java 17 home: ${HINT}`);
  throw new S1migError('LOCAL_PREREQUISITE', `no Java 17 runtime found: ${HINT}`);
}

export function findMaven(): string {
  const r = spawnSync('mvn', ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new S1migError('LOCAL_PREREQUISITE', 'Maven (mvn) not found: install it (Debian: apt-get install maven); it fetches the Kafka and registry jars from Maven Central');
  }
  return 'mvn';
}
