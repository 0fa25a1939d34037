import { readFileSync, mkdirSync, openSync, writeSync, closeSync, constants, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { KafkaMessage } from 'kafkajs';
import { createKafka } from '../../adapters/kafka/client.js';
import { createRegistry } from '../../adapters/registry/client.js';
import { loadTopicDefinitions, topicPlan } from '../../adapters/topics/definitions.js';
import { errorCode, S1migError } from '../../core/errors/s1mig-error.js';
import { ALERT_SIGNING_CERT_PEM, readAlertSigningCertificate, type AlertSigningCertificate } from '../../core/reference/alert-signing.js';
import { canonicalEui, hyphenatedEui } from '../../core/values.js';
import { verifyEnveloped } from '../../core/xml-dsig/signature.js';
import { MAX_DOCUMENT_CHARS } from '../../core/xml-dsig/dom.js';
import { recordCodec, type RecordCodec } from '../../pipeline/codecs.js';
import type { AlertRecord } from '../../pipeline/records.js';
import { readTopicsToEnd, TopicReader } from '../../pipeline/tables/topic-reader.js';
import type { CliCommand } from '../command.js';
import { connectedConfig } from '../../jobs/connect.js';

const USAGE = `usage: s1mig alerts verify [FILE ...] [--cert FILE | --ref DIR] [--supplier EUI] [--json] [--config FILE]
       s1mig alerts export --out DIR [--supplier EUI] [--config FILE]
       s1mig alerts tail [--supplier EUI] [--config FILE]

verify:  checks the XML-DSig signature of every alert on the alerts topic (read_committed,
         up to its end now), or of the given XML files, with the alert-signing certificate
         (--cert FILE, or DIR/${ALERT_SIGNING_CERT_PEM} of --ref DIR or S1MIG_REF_DIR).
         Prints the count and every failure; exit 1 when any alert fails.
export:  writes one XML file per alert on the topic into DIR (created if missing, files
         0600, never overwritten): <supplier>/<code>-<device>-<n>.xml.
tail:    prints each alert as it arrives (one line each), from the topic's end; Ctrl-C ends.
--supplier EUI keeps only the alerts addressed to that supplier.`;

interface Source {
  readonly name: string;
  readonly xml: string;
  readonly record: AlertRecord | null;
}

async function topicAlerts(configFile: string | undefined, supplier: string | null, each: (a: AlertRecord) => void): Promise<void> {
  const config = await connectedConfig(configFile);
  const plan = topicPlan(loadTopicDefinitions(), config.topics);
  const kafka = createKafka(config, 'alerts');
  const codec = await recordCodec<AlertRecord>(createRegistry(config), plan, 'alerts');
  const admin = kafka.admin();
  try {
    await admin.connect();
    await readTopicsToEnd(kafka, admin, [codec.topic], async (_t, _p, m) => {
      const a = await decodeAlert(codec, m);
      if (supplier === null || a.recipient === supplier) each(a);
    }, { groupStem: `${config.topics.prefix}alerts-cli`, timeoutMs: 120_000 });
  } catch (cause) {
    if (errorCode(cause) !== undefined) throw cause;
    throw new S1migError('KAFKA_UNAVAILABLE', `reading the alerts failed: ${(cause as Error).message} (brokers ${config.kafka.brokers.join(',')})`, { cause });
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

async function decodeAlert(codec: RecordCodec<AlertRecord>, m: KafkaMessage): Promise<AlertRecord> {
  if (m.value === null) throw new S1migError('INTERNAL', 'an alert record without a value');
  return codec.decode(m.value);
}

function certificate(values: { cert?: string; ref?: string }): AlertSigningCertificate {
  const ref = values.ref ?? process.env['S1MIG_REF_DIR'];
  const path = values.cert ?? (ref === undefined ? undefined : join(ref, ALERT_SIGNING_CERT_PEM));
  if (path === undefined) throw new S1migError('USAGE', `alerts verify needs the alert-signing certificate: --cert FILE or --ref DIR\n${USAGE}`);
  return readAlertSigningCertificate(path);
}

function supplierOf(text: string | undefined): string | null {
  if (text === undefined) return null;
  const eui = /^[0-9a-fA-F]{16}$/.test(text) ? text.toLowerCase() : canonicalEui(text);
  if (eui === null) throw new S1migError('USAGE', `--supplier ${JSON.stringify(text)} is not an EUI-64 (XX-XX-XX-XX-XX-XX-XX-XX or 16 hex digits)`);
  return eui;
}

function readXmlFile(path: string): string {
  const st = statSync(path);
  if (!st.isFile()) throw new S1migError('USAGE', `${path}: not a file`);
  if (st.size > MAX_DOCUMENT_CHARS * 4) throw new S1migError('USAGE', `${path}: larger than an alert can be`);
  return readFileSync(path, 'utf8');
}

async function verify(files: string[], values: { cert?: string; ref?: string; json?: boolean; config?: string }, supplier: string | null): Promise<number> {
  const cert = certificate(values);
  const sources: Source[] = [];
  if (files.length > 0) for (const f of files) sources.push({ name: f, xml: readXmlFile(f), record: null });
  else await topicAlerts(values.config, supplier, (a) => sources.push({ name: a.alertId, xml: a.xml, record: a }));
  const failures: Array<{ alert: string; reason: string }> = [];
  const byCode = new Map<string, number>();
  for (const s of sources) {
    const r = verifyEnveloped(s.xml, cert.publicKey);
    if (!r.ok) failures.push({ alert: s.name, reason: r.reason });
    // The record's fields must be the ones signed: a consumer may route on them.
    else if (s.record !== null && !s.xml.includes(`<sr:DeviceID>${hyphenatedEui(s.record.deviceId)}</sr:DeviceID><sr:S1SPAlertCode>${s.record.code}</sr:S1SPAlertCode>`)) {
      failures.push({ alert: s.name, reason: 'the record\'s deviceId or code is not what its signed XML says' });
    }
    if (s.record !== null) byCode.set(s.record.code, (byCode.get(s.record.code) ?? 0) + 1);
  }
  const valid = sources.length - failures.length;
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ alerts: sources.length, valid, invalid: failures.length, byCode: Object.fromEntries(byCode), failures }, null, 2)}\n`);
  } else {
    const codes = [...byCode].map(([c, n]) => `${c} ${n}`).join(', ');
    process.stdout.write(`${sources.length} alerts, ${valid} valid, ${failures.length} invalid${codes === '' ? '' : ` (${codes})`}\n`);
    for (const f of failures) process.stdout.write(`  INVALID ${f.alert}: ${f.reason}\n`);
  }
  return failures.length === 0 ? 0 : 1;
}

async function exportAlerts(out: string, configFile: string | undefined, supplier: string | null): Promise<number> {
  mkdirSync(out, { recursive: true, mode: 0o700 });
  const taken = new Set(readdirSync(out, { recursive: true }).map(String));
  let n = 0;
  await topicAlerts(configFile, supplier, (a) => {
    const dir = join(out, a.recipient);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    let k = 1;
    while (taken.has(join(a.recipient, `${a.code}-${a.deviceId}-${k}.xml`))) k++;
    const rel = join(a.recipient, `${a.code}-${a.deviceId}-${k}.xml`);
    taken.add(rel);
    // Created exclusively: an export never replaces a file that is there.
    const fd = openSync(join(out, rel), constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    try {
      writeSync(fd, a.xml);
    } finally {
      closeSync(fd);
    }
    n++;
  });
  process.stdout.write(`${n} alerts written to ${out}\n`);
  return 0;
}

async function tail(configFile: string | undefined, supplier: string | null): Promise<number> {
  const config = await connectedConfig(configFile);
  const plan = topicPlan(loadTopicDefinitions(), config.topics);
  const kafka = createKafka(config, 'alerts-tail');
  const codec = await recordCodec<AlertRecord>(createRegistry(config), plan, 'alerts');
  const admin = kafka.admin();
  await admin.connect();
  // From the end: what is already there is skipped by its offset, then each new alert is printed.
  const ends = new Map((await admin.fetchTopicOffsets(codec.topic)).map((e) => [e.partition, BigInt(e.high)]));
  const reader = new TopicReader(kafka, admin, [codec.topic], async (_t, partition, m) => {
    if (BigInt(m.offset) < (ends.get(partition) ?? 0n)) return;
    let a: AlertRecord;
    try {
      a = await decodeAlert(codec, m);
    } catch (err) {
      // One bad record is reported and skipped: a tail that went quiet would hide every later alert.
      process.stderr.write(`undecodable alert at partition ${partition} offset ${m.offset}: ${(err as Error).message}\n`);
      return;
    }
    if (supplier !== null && a.recipient !== supplier) return;
    process.stdout.write(`${new Date(a.atMs).toISOString()}  ${hyphenatedEui(a.recipient)}  ${a.code.padEnd(24)}  ${hyphenatedEui(a.deviceId)}  ${a.requestId ?? '-'}${a.additionalInformation === null ? '' : `  ${a.additionalInformation}`}\n`);
  }, { groupStem: `${config.topics.prefix}alerts-tail` });
  await reader.start();
  process.stderr.write(`following ${codec.topic}${supplier === null ? '' : ` for ${hyphenatedEui(supplier)}`} (Ctrl-C ends)\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await reader.stop();
  await admin.disconnect().catch(() => undefined);
  return 0;
}

export const command: CliCommand = {
  usage: USAGE,
  async run(args) {
    const { positionals, values } = parseArgs({ args, allowPositionals: true, strict: true, options: {
      config: { type: 'string' }, json: { type: 'boolean', default: false },
      cert: { type: 'string' }, ref: { type: 'string' }, out: { type: 'string' }, supplier: { type: 'string' }, topic: { type: 'boolean', default: false },
    } });
    const [verb, ...rest] = positionals;
    const supplier = supplierOf(values.supplier);
    switch (verb) {
      case 'verify':
        if (values.topic && rest.length > 0) throw new S1migError('USAGE', `alerts verify: --topic or FILEs, not both\n${USAGE}`);
        return verify(rest, values, supplier);
      case 'export':
        if (values.out === undefined || rest.length > 0) throw new S1migError('USAGE', `expected 'alerts export --out DIR'\n${USAGE}`);
        return exportAlerts(values.out, values.config, supplier);
      case 'tail':
        if (rest.length > 0) throw new S1migError('USAGE', `expected 'alerts tail'\n${USAGE}`);
        return tail(values.config, supplier);
      default:
        throw new S1migError('USAGE', `expected 'alerts verify', 'alerts export' or 'alerts tail'\n${USAGE}`);
    }
  },
};
