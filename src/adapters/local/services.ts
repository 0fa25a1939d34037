import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from '../kafka/kafkajs.js';
import { S1migError } from '../../core/errors/s1mig-error.js';
import { deployDir, ensureKafkaLibs, ensureRegistryJar } from './artifacts.js';
import { kafkaBootstrap, registryUrl, type LocalInstanceOptions } from '../config/local-instance.js';
import { findJava17 } from './java.js';
import { spawnDetached } from './processes.js';

/** One service of a local instance: how to prepare, start and probe it. */
export interface LocalService {
  readonly name: 'kafka' | 'registry';
  readonly ports: readonly number[];
  readonly pidFile: string;
  readonly logFile: string;
  /** Substring of the command line that identifies our process (the data folder). */
  readonly marker: string;
  prepare(log: (line: string) => void): void;
  start(): number;
  healthy(): Promise<boolean>;
  endpoint(): string;
}

/** 16 random bytes, unpadded base64url, never starting with '-' (it would read as an option), as Kafka's own Uuid does. */
export function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function kafkaProperties(o: LocalInstanceOptions, logDirs: string): string {
  // Single node, KRaft, combined broker + controller, loopback only. Internal topics are
  // sized for one broker: replication 1 and min ISR 1, or groups and transactions hang.
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@${o.host}:${o.controllerPort}`,
    `listeners=PLAINTEXT://${o.host}:${o.kafkaPort},CONTROLLER://${o.host}:${o.controllerPort}`,
    `advertised.listeners=PLAINTEXT://${o.host}:${o.kafkaPort}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    `log.dirs=${logDirs}`,
    'num.partitions=1',
    'default.replication.factor=1',
    'min.insync.replicas=1',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=4',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'transaction.state.log.num.partitions=4',
    'group.initial.rebalance.delay.ms=0',
    'group.min.session.timeout.ms=1000',
    'auto.create.topics.enable=false',
    'message.max.bytes=2097152',
    'replica.fetch.max.bytes=2097152',
    'log.retention.hours=168',
    'log.segment.bytes=268435456',
    '',
  ].join('\n');
}

export function kafkaService(o: LocalInstanceOptions): LocalService {
  const dir = join(o.dataDir, 'kafka');
  const config = join(dir, 'server.properties');
  let java = '';
  let libs = '';
  return {
    name: 'kafka',
    ports: [o.kafkaPort, o.controllerPort],
    pidFile: join(o.dataDir, 'pids', 'kafka.json'),
    logFile: join(o.dataDir, 'logs', 'kafka-stdout.log'),
    marker: config,
    prepare(log) {
      java = findJava17(o.javaHome);
      libs = ensureKafkaLibs(o, log);
      mkdirSync(dir, { recursive: true });
      const logDirs = join(dir, 'data');
      writeFileSync(config, kafkaProperties(o, logDirs));
      const idFile = join(dir, 'cluster-id');
      if (!existsSync(idFile)) writeFileSync(idFile, newClusterId() + '\n');
      const clusterId = readFileSync(idFile, 'utf8').trim();
      // --ignore-formatted keeps `up` idempotent on an existing data folder.
      const r = spawnSync(java, ['-cp', join(libs, '*'), 'kafka.tools.StorageTool', 'format', `--cluster-id=${clusterId}`, '-c', config, '--ignore-formatted'],
        { encoding: 'utf8' });
      if (r.status !== 0) {
        const lines = `${r.stderr}\n${r.stdout}`.split('\n').filter((l) => l.trim() && !l.startsWith('log4j:')).slice(-3);
        throw new S1migError('LOCAL_START_FAILED', `Kafka storage format failed: ${lines.join(' | ')}`);
      }
    },
    start() {
      const logsDir = join(o.dataDir, 'logs');
      mkdirSync(logsDir, { recursive: true });
      return spawnDetached(java, [
        `-Xmx${o.kafkaHeap}`, `-Xms${o.kafkaHeap}`, '-XX:+UseG1GC', '-Djava.awt.headless=true',
        `-Dkafka.logs.dir=${logsDir}`, `-Dlog4j.configuration=file:${join(deployDir(), 'kafka-log4j.properties')}`,
        '-cp', join(libs, '*'), 'kafka.Kafka', config,
      ], this.logFile, process.env);
    },
    async healthy() {
      const kafka = new Kafka({ brokers: [kafkaBootstrap(o)], clientId: 's1mig-health', logLevel: logLevel.NOTHING,
        connectionTimeout: 1000, requestTimeout: 3000, retry: { retries: 0 } });
      const admin = kafka.admin();
      try {
        await admin.connect();
        const cluster = await admin.describeCluster();
        return cluster.brokers.length > 0 && cluster.controller !== null;
      } catch {
        return false;
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
    },
    endpoint: () => kafkaBootstrap(o),
  };
}

export function registryService(o: LocalInstanceOptions): LocalService {
  const dir = join(o.dataDir, 'registry');
  let java = '';
  let jar = '';
  return {
    name: 'registry',
    ports: [o.registryPort],
    pidFile: join(o.dataDir, 'pids', 'registry.json'),
    logFile: join(o.dataDir, 'logs', 'registry.log'),
    marker: dir,
    prepare(log) {
      java = findJava17(o.javaHome);
      jar = ensureRegistryJar(o, log);
      mkdirSync(dir, { recursive: true });
    },
    start() {
      // Apicurio 2.6's default store is H2 in memory; pointing it at an H2 file gives the
      // registry the same lifetime as Kafka's data, so schema ids never restart under old records.
      const env = {
        ...process.env,
        REGISTRY_DATASOURCE_URL: `jdbc:h2:file:${join(dir, 'db')};DB_CLOSE_ON_EXIT=FALSE`,
        HTTP_PORT: String(o.registryPort),
        QUARKUS_LOG_CONSOLE_JSON: 'false',
      };
      return spawnDetached(java, [
        `-Xmx${o.registryHeap}`, '-Djava.awt.headless=true',
        `-Dquarkus.http.host=${o.host}`, `-Dquarkus.http.port=${o.registryPort}`,
        `-Ds1mig.instance=${dir}`, '-Dquarkus.management.enabled=false',
        '-jar', jar,
      ], this.logFile, env);
    },
    async healthy() {
      try {
        const res = await fetch(`${registryUrl(o)}/subjects`, { signal: AbortSignal.timeout(2000) });
        return res.ok;
      } catch {
        return false;
      }
    },
    endpoint: () => registryUrl(o),
  };
}
