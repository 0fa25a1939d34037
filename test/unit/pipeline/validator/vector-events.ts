import { readFileSync } from 'node:fs';
import { parseHeader, type ParsedHeader } from '../../../../src/core/mcf/header.js';
import { McfReader } from '../../../../src/core/mcf/reader.js';
import type { RawInstallation } from '../../../../src/core/mcf/types.js';
import { installationEvents } from '../../../../src/pipeline/splitter/emitter.js';
import type { DeviceEvent } from '../../../../src/pipeline/records.js';
import { scanFile } from '../../../../src/jobs/validate/validate-file.js';

/** The device events the splitter emits for a vector file (mirrors its emitter), per installation. */
export async function vectorEvents(path: string): Promise<{ header: ParsedHeader; fileKey: string; installations: DeviceEvent[][] }> {
  const { scan, duplicates } = await scanFile(path);
  if (scan.header === null) throw new Error(`${path}: no header`);
  const header = parseHeader(scan.header);
  if (typeof header === 'string') throw new Error(`${path}: ${header}`);
  const fileKey = `${header.requestingParty}/${header.fileId}`;
  const raw: RawInstallation[] = [];
  const reader = new McfReader({ onInstallation: (inst) => raw.push(inst) });
  reader.write(readFileSync(path));
  reader.end();
  return { header, fileKey, installations: raw.map((inst) => installationEvents(fileKey, header, scan.installationCount, inst, duplicates, 0)) };
}

/** Drops the free `message` texts: codes, ids, statuses and order are the contract. */
export function withoutMessages(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutMessages);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).filter(([k]) => k !== 'message').map(([k, v]) => [k, withoutMessages(v)]),
    );
  }
  return value;
}
