import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from '../kafka/kafkajs.js';
import { S1migError } from '../../core/errors/s1mig-error.js';
import { deployDir, ensureKafkaLibs, ensureRegistryJar } from './artifacts.js';
import { registryUrl, type KafkaNode, type LocalInstanceOptions } from '../config/local-instance.js';
import { findJava17 } from './java.js';
import { spawnDetached } from './processes.js';

/** One service of a local instance: how to prepare, start and probe it. */
export interface LocalService {
  /** `kafka` (single node), `kafka-1`..`kafka-3` (a cluster's nodes) or `registry`. */
  readonly name: string;
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

/**
 * Where one Kafka node keeps its files. The single node keeps the layout of the releases
 * before clusters (`kafka/`, `pids/kafka.json`, `logs/kafka-*.log`), so existing data
 * folders and scripts go on working; a cluster's node N lives in `kafka-N/` and `logs/kafka-N/`.
 */
export interface KafkaNodeLayout {
  /** The service's name in `status`: `kafka`, or `kafka-N` in a cluster. */
  name: string;
  dir: string;
  config: string;
  logDirs: string;
  /** kafka.logs.dir: where log4j writes kafka-server.log. */
  logsDir: string;
  stdoutLog: string;
  pidFile: string;
  /** Every node of a cluster is formatted with the same cluster id. */
  clusterIdFile: string;
}

export function kafkaNodeLayout(o: LocalInstanceOptions, node: KafkaNode): KafkaNodeLayout {
  if (o.brokers === 1) {
    const dir = join(o.dataDir, 'kafka');
    const logsDir = join(o.dataDir, 'logs');
    return { name: 'kafka', dir, config: join(dir, 'server.properties'), logDirs: join(dir, 'data'), logsDir,
      stdoutLog: join(logsDir, 'kafka-stdout.log'), pidFile: join(o.dataDir, 'pids', 'kafka.json'), clusterIdFile: join(dir, 'cluster-id') };
  }
  const name = `kafka-${node.id}`;
  const dir = join(o.dataDir, name);
  const logsDir = join(o.dataDir, 'logs', name);
  return { name, dir, config: join(dir, 'server.properties'), logDirs: join(dir, 'data'), logsDir,
    stdoutLog: join(logsDir, 'kafka-stdout.log'), pidFile: join(o.dataDir, 'pids', `${name}.json`), clusterIdFile: join(o.dataDir, 'kafka-cluster-id') };
}

/**
 * One node's server.properties: KRaft, combined broker + controller, loopback only. A
 * single node sizes the internal topics for itself (replication 1, min ISR 1, or groups
 * and transactions hang); a cluster's nodes are the three voters of the quorum, and the
 * internal topics replicate 3 ways with min ISR 2, as production's do.
 */
export function kafkaProperties(o: LocalInstanceOptions, node: KafkaNode, logDirs: string): string {
  const replicas = o.brokers === 1 ? 1 : 3;
  const minIsr = o.brokers === 1 ? 1 : 2;
  return [
    'process.roles=broker,controller',
    `node.id=${node.id}`,
    `controller.quorum.voters=${o.nodes.map((n) => `${n.id}@${o.host}:${n.controllerPort}`).join(',')}`,
    `listeners=PLAINTEXT://${o.host}:${node.kafkaPort},CONTROLLER://${o.host}:${node.controllerPort}`,
    `advertised.listeners=PLAINTEXT://${o.host}:${node.kafkaPort}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    `log.dirs=${logDirs}`,
    'num.partitions=1',
    `default.replication.factor=${replicas}`,
    `min.insync.replicas=${minIsr}`,
    `offsets.topic.replication.factor=${replicas}`,
    'offsets.topic.num.partitions=4',
    `transaction.state.log.replication.factor=${replicas}`,
    `transaction.state.log.min.isr=${minIsr}`,
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

export function kafkaService(o: LocalInstanceOptions, node: KafkaNode = o.nodes[0]!): LocalService {
  const l = kafkaNodeLayout(o, node);
  const bootstrap = `${o.host}:${node.kafkaPort}`;
  let java = '';
  let libs = '';
  return {
    name: l.name,
    ports: [node.kafkaPort, node.controllerPort],
    pidFile: l.pidFile,
    logFile: l.stdoutLog,
    marker: l.config,
    prepare(log) {
      java = findJava17(o.javaHome);
      libs = ensureKafkaLibs(o, log);
      mkdirSync(l.dir, { recursive: true });
      writeFileSync(l.config, kafkaProperties(o, node, l.logDirs));
      if (!existsSync(l.clusterIdFile)) writeFileSync(l.clusterIdFile, newClusterId() + '\n');
      const clusterId = readFileSync(l.clusterIdFile, 'utf8').trim();
      // --ignore-formatted keeps `up` idempotent on an existing data folder.
      const r = spawnSync(java, ['-cp', join(libs, '*'), 'kafka.tools.StorageTool', 'format', `--cluster-id=${clusterId}`, '-c', l.config, '--ignore-formatted'],
        { encoding: 'utf8' });
      if (r.status !== 0) {
        const lines = `${r.stderr}\n${r.stdout}`.split('\n').filter((x) => x.trim() && !x.startsWith('log4j:')).slice(-3);
        throw new S1migError('LOCAL_START_FAILED', `Kafka storage format failed (${l.name}): ${lines.join(' | ')}`);
      }
    },
    start() {
      mkdirSync(l.logsDir, { recursive: true });
      return spawnDetached(java, [
        `-Xmx${o.kafkaHeap}`, `-Xms${o.kafkaHeap}`, '-XX:+UseG1GC', '-Djava.awt.headless=true',
        `-Dkafka.logs.dir=${l.logsDir}`, `-Dlog4j.configuration=file:${join(deployDir(), 'kafka-log4j.properties')}`,
        '-cp', join(libs, '*'), 'kafka.Kafka', l.config,
      ], this.logFile, process.env);
    },
    async healthy() {
      const kafka = new Kafka({ brokers: [bootstrap], clientId: 's1mig-health', logLevel: logLevel.NOTHING,
        connectionTimeout: 1000, requestTimeout: 3000, retry: { retries: 0 } });
      const admin = kafka.admin();
      try {
        await admin.connect();
        // The node answers, a controller is elected and the node itself is registered (a
        // cluster's node can answer before the controller has taken it in). kafkajs sends the
        // request to a node of the cluster picked at random and fails if that one is down, so
        // with a node of a cluster killed its live peers would read as unhealthy half the
        // time: a cluster's node is asked a few times (each miss costs one refused connection).
        for (let attempt = 0; attempt < (o.brokers === 1 ? 1 : 6); attempt++) {
          try {
            const cluster = await admin.describeCluster();
            if (cluster.controller !== null && cluster.brokers.some((b) => b.nodeId === node.id)) return true;
          } catch {
            /* another node was asked: try again */
          }
        }
        return false;
      } catch {
        return false;
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
    },
    endpoint: () => bootstrap,
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
