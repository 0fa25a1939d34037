import { createHash, type Hash } from 'node:crypto';
import { stripXmlWhitespace } from '../values.js';
import { XmlTokenizer } from '../xml/tokenizer.js';
import type { XmlHandler, XmlStartTag } from '../xml/types.js';
import { CompactStringSet } from './compact-set.js';
import { parseHeader, type ParsedHeader } from './header.js';
import {
  DEVICE_FIELDS, HEADER_FIELDS, MAX_INSTALLATIONS, MCF_NS,
  type DeviceField, type HeaderTexts, type MalformedAt, type McfScan, type RawDevice, type RawInstallation,
} from './types.js';

// Element contexts, one per open element.
const ROOT = 0, HEADER = 1, HEADER_FIELD = 2, INSTALLATION = 3, INST_FIELD = 4, DEVICE = 5,
  DEVICE_FIELD = 6, SIGNATURE = 7, SKIP = 8;

const INSTALLATION_ID = /^[A-Za-z0-9._-]{1,64}$/;
const WS_STRIPPED: ReadonlySet<string> = new Set(['Certificate', 'Credential']);
// Position of each Installation child and Device field in its fixed order (a Map lookup per
// element rather than a search through the names).
const INSTALLATION_CHILD_INDEX = indexMap(['MigrationType', 'GroupID', 'Device']);
const DEVICE_FIELD_INDEX = indexMap(DEVICE_FIELDS);

export interface McfReaderOptions {
  /** Called with each complete Installation, in file order. */
  onInstallation?: (inst: RawInstallation) => void;
  /**
   * Called with each complete Device, in file order (also those not kept), with the 0-based
   * positions of its installation in the file and of the device in its installation.
   */
  onDevice?: (dev: RawDevice, installationIndex: number, deviceIndex: number) => void;
  /** Devices kept per installation (more are only counted); default unlimited. */
  maxKeptDevices?: number;
  /** Called once the Header element is complete, when it is valid (mcf-format.md). */
  onHeader?: (header: ParsedHeader) => void;
  /** Compute the signed-range digest. */
  digest?: boolean;
}

interface DeviceBuilder {
  fields: Record<DeviceField, string | null>;
  structureInvalid: boolean;
  last: number;
}

interface InstallationBuilder {
  id: string;
  migrationType: string | null;
  groupId: string | null;
  devices: RawDevice[];
  deviceCount: number;
  structureInvalid: boolean;
  last: number;
}

/**
 * Streams an MCF through the tokenizer and classifies what it finds per mcf-format.md:
 * file-level problems (check steps 1-4), the Header, and one Installation at a time.
 * Memory stays bounded: one installation, the installation-id set, the running hash.
 */
export class McfReader implements XmlHandler {
  private readonly tokenizer = new XmlTokenizer(this);
  private readonly ids = new CompactStringSet();
  private readonly contexts: number[] = [];
  private readonly maxKept: number;
  private step1: MalformedAt | null = null;
  private step3: MalformedAt | null = null;
  private version: string | null = null;
  private headerTexts: HeaderTexts | null = null;
  private headerDraft: HeaderTexts | null = null;
  private headerLast = -1;
  private phase = 0; // 0 expect Header, 1 Installations or Signature, 2 after Signature
  private signature: string | null = null;
  private digest: Uint8Array | null = null;
  private installations = 0;
  private devices = 0;
  private inst: InstallationBuilder | null = null;
  private device: DeviceBuilder | null = null;
  private field = '';
  private fieldText: string | null = null;
  private fieldHasWs = false; // whether fieldText holds XML whitespace (to skip stripping it)

  // Signed range: the hash covers [0, hashedUpTo). The Signature's '<' is a root-level '<':
  // the hash stops at each of them (snapshotAt, the last one, until the element it opens is
  // known). Only when a chunk ends before that does `snapshot` keep a copy of the hash there.
  private readonly hash: Hash | null;
  private hashedUpTo = 0;
  private snapshot: Hash | null = null;
  private snapshotAt = -1;
  private chunk: Uint8Array = new Uint8Array(0);
  private chunkBase = 0;

  constructor(private readonly options: McfReaderOptions = {}) {
    this.maxKept = options.maxKeptDevices ?? Number.POSITIVE_INFINITY;
    this.hash = options.digest === true ? createHash('sha256') : null;
  }

  /**
   * True once something was found that rejects the whole file (check steps 1-3), so a
   * caller can stop spending work on its installations.
   */
  get doomed(): boolean {
    return this.step1 !== null || this.step3 !== null || this.version !== null || this.tokenizer.error !== null;
  }

  /** The installation being read, as far as it has been read (its facts before its devices). */
  get currentInstallation(): Pick<RawInstallation, 'id' | 'migrationType' | 'groupId'> | null {
    return this.inst;
  }

  write(chunk: Uint8Array): void {
    if (this.step1 !== null) return;
    this.chunk = chunk;
    this.chunkBase = this.tokenizer.offset;
    this.tokenizer.write(chunk);
    if (this.hash !== null && this.phase < 2) {
      if (this.hashedUpTo === this.snapshotAt && this.snapshot === null) this.snapshot = this.hash.copy();
      this.hash.update(chunk.subarray(this.hashedUpTo - this.chunkBase));
      this.hashedUpTo = this.chunkBase + chunk.length;
    }
    this.chunk = new Uint8Array(0);
  }

  end(): McfScan {
    if (this.step1 === null) this.tokenizer.end();
    const fatal = this.tokenizer.error;
    if (fatal !== null && this.step1 === null) this.step1 = { step: 1, reason: fatal.reason, offset: fatal.offset };
    let malformed = this.step1;
    if (malformed === null && this.version === null) {
      malformed = this.step3;
      if (malformed === null && this.phase === 0) malformed = { step: 3, reason: 'no Header', offset: 0 };
      if (malformed === null && this.installations > MAX_INSTALLATIONS) {
        malformed = { step: 3, reason: 'more than 10,000,000 installations', offset: 0 };
      }
    }
    return {
      malformed,
      unsupportedVersion: this.step1 === null ? this.version : null,
      header: this.headerTexts,
      signaturePresent: this.phase === 2 && this.signature !== null,
      signature: this.signature,
      signedDigest: this.digest,
      installationCount: this.installations,
      deviceCount: this.devices,
    };
  }

  // XmlHandler

  rootLevelMarkup(offset: number): void {
    if (this.hash === null || this.phase >= 2) return;
    this.hash.update(this.chunk.subarray(this.hashedUpTo - this.chunkBase, offset - this.chunkBase));
    this.hashedUpTo = offset;
    this.snapshot = null;
    this.snapshotAt = offset;
  }

  limit(what: 'text' | 'attribute', offset: number): void {
    this.problem3(`${what} value longer than allowed`, offset);
  }

  startElement(tag: XmlStartTag): void {
    const parent = this.contexts[this.contexts.length - 1];
    const known = tag.ns === MCF_NS;
    let ctx = SKIP;
    if (parent === undefined) ctx = this.openRoot(tag);
    else if (parent === ROOT) {
      ctx = this.openRootChild(tag, known);
      this.snapshotAt = -1; // that '<' is resolved: no copy of the hash at it is needed any more
    }
    else if (parent === HEADER) ctx = this.openHeaderField(tag, known);
    else if (parent === INSTALLATION) ctx = this.openInstallationChild(tag, known);
    else if (parent === DEVICE) ctx = this.openDeviceField(tag, known);
    else if (parent === HEADER_FIELD || parent === SIGNATURE) this.problem3(`element '${tag.local}' not allowed here`, tag.offset);
    else if (parent === INST_FIELD && this.inst !== null) this.inst.structureInvalid = true;
    else if (parent === DEVICE_FIELD && this.device !== null) this.device.structureInvalid = true;
    this.contexts.push(ctx);
  }

  text(value: string, _depth: number, hasWs: boolean): void {
    const ctx = this.contexts[this.contexts.length - 1];
    if (ctx === HEADER_FIELD || ctx === INST_FIELD || ctx === DEVICE_FIELD || ctx === SIGNATURE) {
      this.fieldText = value;
      this.fieldHasWs = hasWs;
    } else if (ctx === ROOT || ctx === HEADER || ctx === INSTALLATION || ctx === DEVICE) {
      this.fatal('character data in a container element', this.tokenizer.markupOffset);
    }
  }

  endElement(): void {
    const ctx = this.contexts.pop();
    if (ctx === HEADER_FIELD) this.closeHeaderField();
    else if (ctx === HEADER) this.closeHeader();
    else if (ctx === INST_FIELD) this.closeInstallationField();
    else if (ctx === DEVICE_FIELD) this.closeDeviceField();
    else if (ctx === DEVICE) this.closeDevice();
    else if (ctx === INSTALLATION) this.closeInstallation();
    else if (ctx === SIGNATURE) {
      const text = this.strippedField();
      this.signature = text === '' ? null : text;
    }
  }

  // Opening elements

  private openRoot(tag: XmlStartTag): number {
    if (tag.ns !== MCF_NS || tag.local !== 'MigrationCommonFile') {
      this.fatal('root element is not MigrationCommonFile in urn:s1mig:mcf:1', tag.offset);
      return SKIP;
    }
    const version = tag.attrs.get('schemaVersion');
    if (version === undefined) this.fatal('schemaVersion missing', tag.offset);
    else if (version !== '1.0') this.version = version ?? '(over-long value)';
    return ROOT;
  }

  private openRootChild(tag: XmlStartTag, known: boolean): number {
    const name = known ? tag.local : '';
    if (this.phase === 2) {
      this.problem3('element after the Signature (Signature misplaced)', tag.offset);
      return SKIP;
    }
    if (name === 'Header' && this.phase === 0) {
      this.phase = 1;
      this.headerDraft = Object.fromEntries(HEADER_FIELDS.map((f) => [f, null])) as HeaderTexts;
      return HEADER;
    }
    if (this.phase === 1 && name === 'Installation') return this.openInstallation(tag);
    if (this.phase === 1 && name === 'Signature') {
      this.phase = 2;
      if (this.hash !== null && this.snapshotAt === tag.offset) {
        if (this.hashedUpTo === tag.offset) this.digest = this.hash.digest();
        else if (this.snapshot !== null) this.digest = this.snapshot.digest();
      }
      this.snapshot = null;
      this.fieldText = null;
      return SIGNATURE;
    }
    this.problem3(`element '${tag.local}' not allowed or out of order in the root`, tag.offset);
    return SKIP;
  }

  private openHeaderField(tag: XmlStartTag, known: boolean): number {
    const index = known ? (HEADER_FIELDS as readonly string[]).indexOf(tag.local) : -1;
    if (index < 0 || index <= this.headerLast) {
      this.problem3(`element '${tag.local}' unknown or out of order in the Header`, tag.offset);
      return SKIP;
    }
    this.headerLast = index;
    this.field = tag.local;
    this.fieldText = null;
    return HEADER_FIELD;
  }

  private openInstallation(tag: XmlStartTag): number {
    this.installations++;
    const id = tag.attrs.get('id');
    if (id === undefined) this.problem3('Installation without id', tag.offset);
    else if (id !== null && !INSTALLATION_ID.test(id)) this.problem3('Installation id malformed', tag.offset);
    else if (id !== null && this.installations <= MAX_INSTALLATIONS && !this.ids.add(id)) {
      this.problem3(`Installation id '${id}' repeated`, tag.offset);
    }
    this.inst = {
      id: id ?? '', migrationType: null, groupId: null, devices: [], deviceCount: 0, structureInvalid: false, last: -1,
    };
    return INSTALLATION;
  }

  private openInstallationChild(tag: XmlStartTag, known: boolean): number {
    const inst = this.inst!;
    const index = known ? (INSTALLATION_CHILD_INDEX.get(tag.local) ?? -1) : -1;
    if (index < 0 || index < inst.last || (index === inst.last && index !== 2)) {
      inst.structureInvalid = true;
      return SKIP;
    }
    inst.last = index;
    if (index === 2) {
      this.devices++;
      inst.deviceCount++;
      this.device = { fields: emptyDeviceFields(), structureInvalid: false, last: -1 };
      return DEVICE;
    }
    this.field = tag.local;
    this.fieldText = null;
    return INST_FIELD;
  }

  private openDeviceField(tag: XmlStartTag, known: boolean): number {
    const dev = this.device!;
    const index = known ? (DEVICE_FIELD_INDEX.get(tag.local) ?? -1) : -1;
    if (index < 0 || index <= dev.last) {
      dev.structureInvalid = true;
      return SKIP;
    }
    dev.last = index;
    this.field = tag.local;
    this.fieldText = null;
    return DEVICE_FIELD;
  }

  // Closing elements

  private closeHeaderField(): void {
    if (this.headerDraft !== null) this.headerDraft[this.field as keyof HeaderTexts] = this.trimmedField();
  }

  private closeHeader(): void {
    if (this.step1 !== null) return;
    const draft = this.headerDraft!;
    this.headerTexts = draft;
    const parsed = parseHeader(draft);
    if (typeof parsed === 'string') this.problem3(parsed, this.tokenizer.markupOffset);
    else this.options.onHeader?.(parsed);
  }

  private closeInstallationField(): void {
    const value = this.trimmedField();
    if (this.field === 'MigrationType') this.inst!.migrationType = value;
    else this.inst!.groupId = value;
  }

  private closeDeviceField(): void {
    const dev = this.device!;
    let value: string | null;
    if (WS_STRIPPED.has(this.field)) {
      const stripped = this.strippedField();
      value = stripped === '' ? null : stripped;
    } else value = this.trimmedField();
    dev.fields[this.field as DeviceField] = value;
  }

  private closeDevice(): void {
    const dev = this.device!;
    const inst = this.inst!;
    const raw: RawDevice = { fields: dev.fields, structureInvalid: dev.structureInvalid };
    if (this.step1 === null) this.options.onDevice?.(raw, this.installations - 1, inst.deviceCount - 1);
    if (inst.devices.length < this.maxKept) inst.devices.push(raw);
    this.device = null;
  }

  private closeInstallation(): void {
    const b = this.inst!;
    this.inst = null;
    if (this.step1 !== null) return;
    this.options.onInstallation?.({
      index: this.installations - 1,
      id: b.id,
      migrationType: b.migrationType,
      groupId: b.groupId,
      devices: b.devices,
      deviceCount: b.deviceCount,
      structureInvalid: b.structureInvalid || b.last < 0,
    });
  }

  /** The field's text without XML whitespace ('' when it has none). */
  private strippedField(): string {
    if (this.fieldText === null) return '';
    return this.fieldHasWs ? stripXmlWhitespace(this.fieldText) : this.fieldText;
  }

  private trimmedField(): string | null {
    if (this.fieldText === null) return null;
    const t = trimXml(this.fieldText);
    return t === '' ? null : t;
  }

  private fatal(reason: string, offset: number): void {
    if (this.step1 === null) this.step1 = { step: 1, reason, offset };
  }

  private problem3(reason: string, offset: number): void {
    if (this.step3 === null) this.step3 = { step: 3, reason, offset };
  }
}

function indexMap(names: readonly string[]): ReadonlyMap<string, number> {
  return new Map(names.map((name, index) => [name, index]));
}

function emptyDeviceFields(): Record<DeviceField, string | null> {
  return {
    DeviceID: null, DeviceType: null, Manufacturer: null, Model: null, FirmwareVersion: null,
    MPxN: null, ResponsibleSupplier: null, Parent: null, Certificate: null, Credential: null,
  };
}

/** Trims XML whitespace (#x20 #x9 #xD #xA) only, not other Unicode spaces. */
export function trimXml(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isWs(s.charCodeAt(a))) a++;
  while (b > a && isWs(s.charCodeAt(b - 1))) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}
