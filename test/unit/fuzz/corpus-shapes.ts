/**
 * Test helper (not a test): the shapes of hostile MCF input kept in `corpus/`, each with
 * why it is there, how it is made from one small valid file, and its known answer written
 * by hand from ../shared/spec (mcf-format.md, validation.md), not taken from the product.
 * `build-corpus.ts` writes the files and `corpus/expected.json` from this table;
 * `corpus.test.ts` checks the product against `expected.json`.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { DeviceCode, FileCode, InstallationCode } from '../../../src/core/errors/codes.js';
import { fixCounts, prng, resign } from './mutations.js';

const SHARED = fileURLToPath(new URL('../../../../shared/', import.meta.url));
export const VECTORS = `${SHARED}fixtures/mcf-vectors/`;
export const REF = `${VECTORS}ref`;
/** Public test key of the vectors' MDS file signer (DCC Boxed), to re-sign changed bodies. */
export const SIGNER_KEY_PATH = `${SHARED}fixtures/smki/dccboxed-org/90b3d51f30010008-loadcontroller-ds.key.pem`;

/** The known answer of one corpus file (the report of `validate --json`, messages aside). */
export interface Expected {
  status: 'accepted' | 'rejected';
  /** File-level codes, in report order. */
  errors: FileCode[];
  /** The report's fileId: the Header's when the Header element was read completely, else null (validation.md). */
  fileId: string | null;
  /**
   * Accepted files: every installation in file order, with its status and codes, and the
   * codes of its invalid devices by canonical ID (every device not listed is valid).
   */
  installations?: Array<{ id: string; status: 'valid' | 'partial' | 'excluded' | 'invalid'; errors: InstallationCode[]; devices?: Record<string, DeviceCode[]> }>;
  /**
   * Rejected files: a fragment of the first error's message. Messages are free in the
   * contract; it is pinned here so that a shape cannot pass for another reason than the
   * one it was made for (update it when a message is reworded).
   */
  because?: string;
}

export interface Shape {
  /** File name in corpus/, after the shape. */
  readonly name: string;
  /** What it guards against, or the rule it pins. */
  readonly why: string;
  /** How it is made from the base (for a person; `make` is the truth). */
  readonly made: string;
  readonly make: (base: Buffer, sign: (b: Buffer) => Buffer) => Buffer;
  readonly expect: Expected;
}

export const FILE_ID = 'FUZZ-CORPUS-1';
const CHF = '00db000000004f59';
const ESME = '00db000000004f5a';
const MALFORMED: Pick<Expected, 'status' | 'errors'> = { status: 'rejected', errors: ['MCF_MALFORMED'] };
const VALID: Expected['installations'] = [{ id: 'V2', status: 'valid', errors: [] }];
const ESME_FIELD = (code: DeviceCode): Expected['installations'] => [{ id: 'V2', status: 'invalid', errors: [], devices: { [ESME]: [code] } }];

/**
 * The base: the vector basic-valid.xml with its first installation removed (V2 is left: a
 * CHF and an ESME), FileID FUZZ-CORPUS-1, counts fixed, re-signed with the vectors' signer.
 * ~2.5 KB, accepted, V2 valid.
 */
export function baseFile(signerKey: string): Buffer {
  const text = readFileSync(`${VECTORS}basic-valid.xml`, 'latin1');
  const v1 = text.indexOf('  <Installation id="V1">');
  const v2 = text.indexOf('  <Installation id="V2">');
  const body = `${text.slice(0, v1)}${text.slice(v2)}`.replace('<FileID>VEC-BASIC-1</FileID>', `<FileID>${FILE_ID}</FileID>`);
  return resign(fixCounts(Buffer.from(body, 'latin1')), signerKey);
}

/** `buf` with the first `find` replaced (it must be there). */
export function rep(buf: Buffer, find: string | Buffer, by: string | Buffer): Buffer {
  const f = typeof find === 'string' ? Buffer.from(find) : find;
  const at = buf.indexOf(f);
  if (at < 0) throw new Error(`corpus: '${f.toString('latin1').slice(0, 40)}' not in the base`);
  return Buffer.concat([buf.subarray(0, at), typeof by === 'string' ? Buffer.from(by) : by, buf.subarray(at + f.length)]);
}

/** `buf` cut just before the first `find` (or after it, with `after`). */
function cutAt(buf: Buffer, find: string, after = 0): Buffer {
  const at = buf.indexOf(find);
  if (at < 0) throw new Error(`corpus: '${find}' not in the base`);
  return buf.subarray(0, at + after);
}

const bytes = (...b: number[]): Buffer => Buffer.from(b);
const cat = (...parts: Array<string | Buffer>): Buffer => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p)));
const DECL = '<?xml version="1.0" encoding="UTF-8"?>\n';
/** The base's XML declaration replaced by `by` (a prolog of our own). */
const afterDecl = (base: Buffer, insert: string | Buffer): Buffer => rep(base, DECL, cat(DECL, insert));
const ESME_FW = '<FirmwareVersion>0A01</FirmwareVersion>\n      <MPxN>';
/** Inside the ESME, after its FirmwareVersion (the place for an element a Device does not allow). */
const inEsme = (base: Buffer, insert: string | Buffer): Buffer => rep(base, ESME_FW, cat('<FirmwareVersion>0A01</FirmwareVersion>', insert, '\n      <MPxN>'));
const esmeFirmware = (base: Buffer, value: string | Buffer): Buffer => rep(base, ESME_FW, cat('<FirmwareVersion>', value, '</FirmwareVersion>\n      <MPxN>'));
const SIG_OPEN = '  <Signature>';
const signatureText = (base: Buffer): string => {
  const s = base.toString('latin1');
  const at = s.indexOf('<Signature>') + '<Signature>'.length;
  return s.slice(at, s.indexOf('</Signature>', at));
};
/** One IHD under the ESME, with its own DeviceID. */
const ihd = (n: number): string =>
  `    <Device>\n      <DeviceID>00-DB-00-00-00-01-${(n >> 8).toString(16).padStart(2, '0').toUpperCase()}-${(n & 255).toString(16).padStart(2, '0').toUpperCase()}</DeviceID>\n` +
  '      <DeviceType>IHD</DeviceType>\n      <Manufacturer>Holdco</Manufacturer>\n      <Model>D-1</Model>\n' +
  '      <FirmwareVersion>0A01</FirmwareVersion>\n      <Parent>00-DB-00-00-00-00-4F-5A</Parent>\n    </Device>\n';
const END_INST = '  </Installation>\n';
const ROOT_END = '</MigrationCommonFile>';

export const SHAPES: readonly Shape[] = [
  // --- controls: the base, and legal variations of its envelope -------------------------
  { name: 'valid-base', why: 'the control: every other shape is this file with one change, so the change alone decides the verdict',
    made: 'basic-valid.xml without V1, FileID FUZZ-CORPUS-1, counts fixed, re-signed', make: (b) => b,
    expect: { status: 'accepted', errors: [], fileId: FILE_ID, installations: VALID } },
  { name: 'bom', why: 'a UTF-8 byte-order mark is allowed and is part of the signed bytes', made: 'EF BB BF before the base, re-signed',
    make: (b, sign) => sign(cat(bytes(0xef, 0xbb, 0xbf), b)), expect: { status: 'accepted', errors: [], fileId: FILE_ID, installations: VALID } },
  { name: 'declaration-encoding-lowercase', why: 'the declaration names UTF-8 "in any case"', made: 'encoding="utf-8", re-signed',
    make: (b, sign) => sign(rep(b, 'encoding="UTF-8"', 'encoding="utf-8"')), expect: { status: 'accepted', errors: [], fileId: FILE_ID, installations: VALID } },
  { name: 'crlf-line-ends', why: 'CR LF line ends are normalised in values but signed as sent', made: 'every LF made CR LF, re-signed',
    make: (b, sign) => sign(Buffer.from(b.toString('latin1').replace(/\n/g, '\r\n'), 'latin1')), expect: { status: 'accepted', errors: [], fileId: FILE_ID, installations: VALID } },
  { name: 'whitespace-after-root', why: 'whitespace after the root end tag is allowed (anything else is not)', made: 'spaces, tabs and line ends appended',
    make: (b) => cat(b, '\n\t  \r\n  \n'), expect: { status: 'accepted', errors: [], fileId: FILE_ID, installations: VALID } },
  { name: 'utf8-split-across-chunk', why: 'multi-byte characters (2, 3 and 4 bytes) in comments and an ignored attribute, where the corpus test cuts the input into 1-, 2- and 3-byte chunks: a character split across two chunks must read the same as whole',
    made: 'comments with é € 😀 in the prolog, Header, a Device and before the Signature, and an attribute note="é€😀", re-signed',
    make: (b, sign) => {
      const c = '<!-- é € 😀 ü 中 𝄞 -->';
      let out = afterDecl(b, `${c}\n`);
      out = rep(out, '<Header>', `<Header>${c}`);
      out = rep(out, '<DeviceType>CHF</DeviceType>', `<DeviceType>CHF</DeviceType>${c}`);
      out = rep(out, '<Installation id="V2">', '<Installation id="V2" note="é€😀">');
      out = rep(out, SIG_OPEN, `  ${c}\n${SIG_OPEN}`);
      return sign(out);
    },
    expect: { status: 'accepted', errors: [], fileId: FILE_ID, installations: VALID } },
  { name: 'char-reference-leading-zeros', why: 'a character reference may have any number of leading zeros (mcf-format.md, Limits); the value is the character',
    made: 'Manufacturer of the CHF written Hol&#x0000000000000000000064;co (= Holdco), re-signed',
    make: (b, sign) => sign(rep(b, '<Manufacturer>Holdco</Manufacturer>', '<Manufacturer>Hol&#x0000000000000000000064;co</Manufacturer>')),
    expect: { status: 'accepted', errors: [], fileId: FILE_ID, installations: VALID } },
  { name: 'count-leading-zeros', why: 'counts are 1-10 decimal digits: 0001 is 1', made: 'InstallationCount 0001, re-signed',
    make: (b, sign) => sign(rep(b, '<InstallationCount>1<', '<InstallationCount>0001<')), expect: { status: 'accepted', errors: [], fileId: FILE_ID, installations: VALID } },
  { name: 'signature-wrapped-whitespace', why: 'XML whitespace anywhere inside a base64 value is ignored', made: 'the Signature text broken by line ends, tabs and spaces',
    make: (b) => { const s = signatureText(b); return rep(b, `>${s}<`, `>\n    ${s.slice(0, 10)}\n\t${s.slice(10, 40)} ${s.slice(40)}\r\n  <`); },
    expect: { status: 'accepted', errors: [], fileId: FILE_ID, installations: VALID } },

  // --- not a document at all --------------------------------------------------------------
  { name: 'empty-file', why: 'zero bytes: no root', made: 'empty', make: () => Buffer.alloc(0), expect: { ...MALFORMED, fileId: null } },
  { name: 'bom-only', why: 'a BOM and nothing else', made: 'EF BB BF', make: () => bytes(0xef, 0xbb, 0xbf), expect: { ...MALFORMED, fileId: null } },
  { name: 'garbage-binary', why: 'random bytes (invalid UTF-8 from the first bytes on)', made: '1024 bytes of mulberry32(13)',
    make: () => { const r = prng(13); return Buffer.from(Array.from({ length: 1024 }, () => Math.floor(r() * 256))); }, expect: { ...MALFORMED, fileId: null } },
  { name: 'not-xml-json', why: 'a well-formed UTF-8 text that is no XML', made: 'a JSON object', make: () => Buffer.from('{"MigrationCommonFile":{"schemaVersion":"1.0"}}\n'),
    expect: { ...MALFORMED, fileId: null } },
  { name: 'empty-root', why: 'the right root, empty: no Header', made: '<MigrationCommonFile xmlns=... schemaVersion="1.0"/>',
    make: () => Buffer.from(`${DECL}<MigrationCommonFile xmlns="urn:s1mig:mcf:1" schemaVersion="1.0"/>\n`), expect: { ...MALFORMED, fileId: null } },

  // --- encoding ---------------------------------------------------------------------------
  { name: 'bom-twice', why: 'a second BOM is a U+FEFF character before the root', made: 'two BOMs before the base', make: (b) => cat(bytes(0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf), b),
    expect: { ...MALFORMED, fileId: null } },
  { name: 'utf16-bom', why: 'a UTF-16 BOM: the file is not UTF-8', made: 'FF FE before the base', make: (b) => cat(bytes(0xff, 0xfe), b), expect: { ...MALFORMED, fileId: null } },
  { name: 'declaration-latin1', why: 'a declaration naming another encoding', made: 'encoding="ISO-8859-1"', make: (b) => rep(b, 'encoding="UTF-8"', 'encoding="ISO-8859-1"'),
    expect: { ...MALFORMED, fileId: null } },
  { name: 'declaration-not-at-start', why: 'the XML declaration is only allowed at offset 0 (or after a BOM); elsewhere it is a processing instruction',
    made: 'a line end before the base', make: (b) => cat('\n', b), expect: { ...MALFORMED, fileId: null } },
  { name: 'utf8-truncated-sequence', why: 'a multi-byte sequence missing its continuation byte', made: 'C3 followed by a space in a comment in the body',
    make: (b) => rep(b, '<MigrationType>', cat('<!-- ', bytes(0xc3), ' --><MigrationType>')), expect: { ...MALFORMED, fileId: FILE_ID } },
  { name: 'utf8-truncated-at-eof', why: 'the file ends inside a 4-byte sequence', made: 'the base cut after its first installation, then "<!-- " and F0 9F',
    make: (b) => cat(cutAt(b, END_INST, END_INST.length), '  <!-- ', bytes(0xf0, 0x9f)), expect: { ...MALFORMED, fileId: FILE_ID } },
  { name: 'utf8-overlong', why: 'an overlong encoding of "/" (C0 AF), the classic filter bypass', made: 'C0 AF in a comment in the body',
    make: (b) => rep(b, '<MigrationType>', cat('<!-- ', bytes(0xc0, 0xaf), ' --><MigrationType>')), expect: { ...MALFORMED, fileId: FILE_ID } },
  { name: 'utf8-surrogate', why: 'a UTF-16 surrogate encoded as UTF-8 (ED A0 80, CESU-8)', made: 'ED A0 80 in a comment in the body',
    make: (b) => rep(b, '<MigrationType>', cat('<!-- ', bytes(0xed, 0xa0, 0x80), ' --><MigrationType>')), expect: { ...MALFORMED, fileId: FILE_ID } },
  { name: 'utf8-noncharacter-fffe', why: 'U+FFFE is valid UTF-8 but no XML character', made: 'EF BF BE in a comment in the body',
    make: (b) => rep(b, '<MigrationType>', cat('<!-- ', bytes(0xef, 0xbf, 0xbe), ' --><MigrationType>')), expect: { ...MALFORMED, fileId: FILE_ID } },
  { name: 'nul-byte', why: 'a NUL byte (C string truncation, log injection)', made: '00 inside the CHF Manufacturer',
    make: (b) => rep(b, '<Manufacturer>Holdco<', cat('<Manufacturer>Hol', bytes(0), 'dco<')), expect: { ...MALFORMED, fileId: FILE_ID } },
  { name: 'nul-char-reference', why: '&#0; is no XML character, even as a reference', made: 'Hol&#0;dco as the CHF Manufacturer',
    make: (b) => rep(b, '<Manufacturer>Holdco<', '<Manufacturer>Hol&#0;dco<'), expect: { ...MALFORMED, fileId: FILE_ID } },
  { name: 'char-reference-out-of-range', why: 'a reference beyond U+10FFFF', made: '&#x110000; in the CHF Manufacturer',
    make: (b) => rep(b, '<Manufacturer>Holdco<', '<Manufacturer>Hol&#x110000;dco<'), expect: { ...MALFORMED, fileId: FILE_ID } },

  // --- DOCTYPE and entities ---------------------------------------------------------------
  { name: 'doctype-entity', why: 'an internal entity declaration used in a value', made: '<!DOCTYPE ... [<!ENTITY h "Holdco">]> after the declaration, &h; as a Manufacturer, re-signed',
    make: (b, sign) => sign(rep(afterDecl(b, '<!DOCTYPE MigrationCommonFile [<!ENTITY h "Holdco">]>\n'), '<Manufacturer>Holdco<', '<Manufacturer>&h;<')),
    expect: { ...MALFORMED, fileId: null } },
  { name: 'doctype-bare', why: 'a DOCTYPE without an internal subset', made: '<!DOCTYPE MigrationCommonFile> after the declaration, re-signed',
    make: (b, sign) => sign(afterDecl(b, '<!DOCTYPE MigrationCommonFile>\n')), expect: { ...MALFORMED, fileId: null } },
  { name: 'billion-laughs', why: 'exponential entity expansion (10^9 "lol"s): must be refused at the DOCTYPE, in bounded time and memory',
    made: 'the classic lol1..lol9 internal subset, &lol9; as the FileID',
    make: (b) => {
      const ents = ['<!ENTITY lol "lol">', ...Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`)].join('\n  ');
      return rep(afterDecl(b, `<!DOCTYPE MigrationCommonFile [\n  ${ents}\n]>\n`), `<FileID>${FILE_ID}<`, '<FileID>&lol9;<');
    },
    expect: { ...MALFORMED, fileId: null } },
  { name: 'external-entity', why: 'XXE: an external entity naming a local file', made: '<!ENTITY xxe SYSTEM "file:///etc/passwd">, &xxe; as the FileID',
    make: (b) => rep(afterDecl(b, '<!DOCTYPE MigrationCommonFile [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'), `<FileID>${FILE_ID}<`, '<FileID>&xxe;<'),
    expect: { ...MALFORMED, fileId: null } },
  { name: 'parameter-entity-remote', why: 'a parameter entity fetching a remote DTD (SSRF, out-of-band exfiltration)', made: '<!ENTITY % p SYSTEM "http://127.0.0.1:9/x.dtd"> %p;',
    make: (b) => afterDecl(b, '<!DOCTYPE MigrationCommonFile [<!ENTITY % p SYSTEM "http://127.0.0.1:9/x.dtd"> %p;]>\n'), expect: { ...MALFORMED, fileId: null } },
  { name: 'undeclared-entity', why: 'an entity that is not one of the five predefined ones (&nbsp;), after a complete Header: the report keeps the Header fields',
    made: '&nbsp; inside the CHF Manufacturer', make: (b) => rep(b, '<Manufacturer>Holdco<', '<Manufacturer>Hol&nbsp;dco<'), expect: { ...MALFORMED, fileId: FILE_ID } },

  // --- markup XML is not allowed to have here, or not well-formed -------------------------
  { name: 'cdata-section', why: 'CDATA is not allowed', made: '<![CDATA[Holdco]]> as the CHF Manufacturer', make: (b) => rep(b, '<Manufacturer>Holdco<', '<Manufacturer><![CDATA[Holdco]]><'),
    expect: { ...MALFORMED, fileId: FILE_ID } },
  { name: 'processing-instruction', why: 'processing instructions other than the declaration are not allowed', made: '<?php echo 1; ?> inside the Installation',
    make: (b) => rep(b, '<MigrationType>', '<?php echo 1; ?><MigrationType>'), expect: { ...MALFORMED, fileId: FILE_ID } },
  { name: 'comment-double-dash', why: '"--" inside a comment is not well-formed', made: '<!-- a -- b --> inside the Installation',
    make: (b) => rep(b, '<MigrationType>', '<!-- a -- b --><MigrationType>'), expect: { ...MALFORMED, fileId: FILE_ID } },
  { name: 'comment-after-root', why: 'comments are allowed anywhere but after the root end tag', made: '<!-- late --> appended', make: (b) => cat(b, '<!-- late -->\n'),
    expect: { ...MALFORMED, fileId: FILE_ID } },
  { name: 'content-after-root', why: 'anything but whitespace after the root', made: '"x" appended', make: (b) => cat(b, 'x'), expect: { ...MALFORMED, fileId: FILE_ID } },
  { name: 'second-root', why: 'a second root element', made: '<MigrationCommonFile/> appended', make: (b) => cat(b, '<MigrationCommonFile/>\n'), expect: { ...MALFORMED, fileId: FILE_ID } },
  { name: 'mismatched-end-tag', why: 'an end tag that does not match its start tag', made: '</Model> of the CHF written </Modle>', make: (b) => rep(b, 'HUB-7</Model>', 'HUB-7</Modle>'),
    expect: { ...MALFORMED, fileId: FILE_ID } },
  { name: 'duplicate-attribute', why: 'an attribute given twice (which id wins?) is not well-formed', made: '<Installation id="V2" id="V9">',
    make: (b) => rep(b, '<Installation id="V2">', '<Installation id="V2" id="V9">'), expect: { ...MALFORMED, fileId: FILE_ID } },
  { name: 'unbound-prefix', why: 'an element prefix bound to no namespace is not namespace-well-formed', made: '<x:Note>1</x:Note> inside the ESME, no xmlns:x',
    make: (b) => inEsme(b, '<x:Note>1</x:Note>'), expect: { ...MALFORMED, fileId: FILE_ID } },
  { name: 'text-in-container', why: 'non-whitespace text directly inside an Installation', made: '"stray" before <MigrationType>',
    make: (b) => rep(b, '<MigrationType>', 'stray<MigrationType>'), expect: { ...MALFORMED, fileId: FILE_ID } },
  { name: 'lt-in-attribute', why: '"<" in an attribute value is not well-formed', made: 'id="V<2"', make: (b) => rep(b, '<Installation id="V2">', '<Installation id="V<2">'),
    expect: { ...MALFORMED, fileId: FILE_ID } },
  { name: 'unquoted-attribute', why: 'attribute values must be quoted', made: 'id=V2', make: (b) => rep(b, '<Installation id="V2">', '<Installation id=V2>'),
    expect: { ...MALFORMED, fileId: FILE_ID } },

  // --- truncation -------------------------------------------------------------------------
  { name: 'truncated-in-header', why: 'the file ends inside the Header: no Header fields in the report', made: 'the base cut inside <SMSO>',
    make: (b) => cutAt(b, '<SMSO>MDS', 8), expect: { ...MALFORMED, fileId: null } },
  { name: 'truncated-mid-tag', why: 'the file ends inside a start tag', made: 'the base cut after "<Devi" of the ESME',
    make: (b) => { const at = b.indexOf('<Device>', b.indexOf('</Device>')); return b.subarray(0, at + 5); }, expect: { ...MALFORMED, fileId: FILE_ID } },
  { name: 'truncated-before-signature', why: 'a cut file is malformed (step 1), not a file without a signature (step 4)', made: 'the base cut after </Installation>',
    make: (b) => cutAt(b, END_INST, END_INST.length), expect: { ...MALFORMED, fileId: FILE_ID } },
  { name: 'truncated-before-root-end', why: 'only the root end tag missing', made: 'the base without </MigrationCommonFile>', make: (b) => cutAt(b, ROOT_END),
    expect: { ...MALFORMED, fileId: FILE_ID } },

  // --- root and Header (steps 1-3) --------------------------------------------------------
  { name: 'root-wrong-namespace', why: 'the root in another namespace', made: 'xmlns="urn:s1mig:mcf:2"', make: (b) => rep(b, 'xmlns="urn:s1mig:mcf:1"', 'xmlns="urn:s1mig:mcf:2"'),
    expect: { ...MALFORMED, fileId: null } },
  { name: 'schema-version-missing', why: 'no schemaVersion is step 1', made: 'schemaVersion="1.0" removed', make: (b) => rep(b, ' schemaVersion="1.0"', ''),
    expect: { ...MALFORMED, fileId: null } },
  { name: 'schema-version-2', why: 'another schemaVersion is step 2; the Header was read completely, so its fields are reported',
    made: 'schemaVersion="2.0"', make: (b) => rep(b, 'schemaVersion="1.0"', 'schemaVersion="2.0"'),
    expect: { status: 'rejected', errors: ['MCF_UNSUPPORTED_VERSION'], fileId: FILE_ID } },
  { name: 'schema-version-empty', why: 'an empty schemaVersion is present and not 1.0 (attributes are not trimmed)', made: 'schemaVersion=""',
    make: (b) => rep(b, 'schemaVersion="1.0"', 'schemaVersion=""'), expect: { status: 'rejected', errors: ['MCF_UNSUPPORTED_VERSION'], fileId: FILE_ID } },
  { name: 'header-twice', why: 'a second Header (which one is signed for?)', made: 'the Header repeated, counts as they were, re-signed',
    make: (b, sign) => { const s = b.toString('latin1'); const h = s.slice(s.indexOf('  <Header>'), s.indexOf('</Header>') + 10); return sign(rep(b, h, `${h}${h}`)); },
    expect: { ...MALFORMED, fileId: FILE_ID } },
  { name: 'header-field-out-of-order', why: 'Header fields in another order', made: 'SMSO before RequestingParty, re-signed',
    make: (b, sign) => sign(rep(rep(b, '    <SMSO>MDS</SMSO>\n', ''), '<RequestingParty>', '<SMSO>MDS</SMSO>\n    <RequestingParty>')),
    expect: { ...MALFORMED, fileId: FILE_ID } },
  { name: 'unknown-root-child', why: 'an element the format does not define, at root level', made: '<Extra/> before the Signature, re-signed',
    make: (b, sign) => sign(rep(b, SIG_OPEN, `  <Extra/>\n${SIG_OPEN}`)), expect: { ...MALFORMED, fileId: FILE_ID } },
  { name: 'installation-id-repeated', why: 'installation ids are unique in a file', made: 'the installation repeated, counts fixed, re-signed',
    make: (b, sign) => { const s = b.toString('latin1'); const i = s.slice(s.indexOf('  <Installation id='), s.indexOf(END_INST) + END_INST.length); return sign(fixCounts(rep(b, i, `${i}${i}`))); },
    expect: { ...MALFORMED, fileId: FILE_ID } },
  { name: 'createdat-february-30', why: 'a timestamp of the right shape that is no real date', made: 'CreatedAt 2026-02-30T09:00:00Z, re-signed',
    make: (b, sign) => sign(rep(b, '<CreatedAt>2026-11-28T09:00:00Z<', '<CreatedAt>2026-02-30T09:00:00Z<')), expect: { ...MALFORMED, fileId: FILE_ID } },
  { name: 'count-eleven-digits', why: 'a count beyond 10 digits (no overflow into a small number)', made: 'DeviceCount 10000000002, re-signed',
    make: (b, sign) => sign(rep(b, '<DeviceCount>2<', '<DeviceCount>10000000002<')), expect: { ...MALFORMED, fileId: FILE_ID } },

  // --- signature and counts (steps 4-7) ---------------------------------------------------
  { name: 'signature-missing', why: 'no Signature element', made: 'the Signature element removed',
    make: (b) => { const s = b.toString('latin1'); return rep(b, s.slice(s.indexOf(SIG_OPEN), s.indexOf('</Signature>') + 13), ''); },
    expect: { status: 'rejected', errors: ['MCF_SIGNATURE_MISSING'], fileId: FILE_ID } },
  { name: 'signature-empty', why: 'an empty Signature is absent', made: '<Signature/>',
    make: (b) => rep(b, `<Signature>${signatureText(b)}</Signature>`, '<Signature/>'), expect: { status: 'rejected', errors: ['MCF_SIGNATURE_MISSING'], fileId: FILE_ID } },
  { name: 'duplicate-signature', why: 'two Signatures: which bytes are signed? The second makes the first misplaced', made: 'the Signature element repeated',
    make: (b) => { const s = b.toString('latin1'); const sig = s.slice(s.indexOf(SIG_OPEN), s.indexOf('</Signature>') + 13); return rep(b, sig, `${sig}${sig}`); },
    expect: { ...MALFORMED, fileId: FILE_ID } },
  { name: 'signature-not-last', why: 'a Signature before an Installation (signature wrapping)', made: 'the Signature element moved before the Installation',
    make: (b) => { const s = b.toString('latin1'); const sig = s.slice(s.indexOf(SIG_OPEN), s.indexOf('</Signature>') + 13); return rep(rep(b, sig, ''), '  <Installation id=', `${sig}  <Installation id=`); },
    expect: { ...MALFORMED, fileId: FILE_ID } },
  { name: 'signature-foreign-namespace', why: 'a Signature in another namespace is an unknown root child, not the signature', made: '<s:Signature xmlns:s="urn:other">',
    make: (b) => rep(rep(b, '<Signature>', '<s:Signature xmlns:s="urn:other">'), '</Signature>', '</s:Signature>'), expect: { ...MALFORMED, fileId: FILE_ID } },
  { name: 'signature-not-base64', why: 'an undecodable signature', made: 'Signature text "not*base64!"', make: (b) => rep(b, signatureText(b), 'not*base64!'),
    expect: { status: 'rejected', errors: ['MCF_SIGNATURE_INVALID'], fileId: FILE_ID } },
  { name: 'signature-oversized', why: 'a Signature text over its 200-character limit (decodable base64)', made: '204 "A"s', make: (b) => rep(b, signatureText(b), 'A'.repeat(204)),
    expect: { status: 'rejected', errors: ['MCF_SIGNATURE_INVALID'], fileId: FILE_ID } },
  { name: 'signed-bytes-changed', why: 'one signed byte changed after signing', made: 'CHF FirmwareVersion 0A01 -> 0A02 (not re-signed)',
    make: (b) => rep(b, '<FirmwareVersion>0A01<', '<FirmwareVersion>0A02<'), expect: { status: 'rejected', errors: ['MCF_SIGNATURE_INVALID'], fileId: FILE_ID } },
  { name: 'count-mismatch', why: 'a DeviceCount that is not the body\'s', made: 'DeviceCount 3, re-signed', make: (b, sign) => sign(rep(b, '<DeviceCount>2<', '<DeviceCount>3<')),
    expect: { status: 'rejected', errors: ['MCF_COUNT_MISMATCH'], fileId: FILE_ID } },
  { name: 'count-mismatch-unsigned', why: 'steps 6 and 7 are reported together', made: 'DeviceCount 9, not re-signed', make: (b) => rep(b, '<DeviceCount>2<', '<DeviceCount>9<'),
    expect: { status: 'rejected', errors: ['MCF_SIGNATURE_INVALID', 'MCF_COUNT_MISMATCH'], fileId: FILE_ID } },
  { name: 'signer-unknown', why: 'a RequestingParty with no certificate in the SMSO\'s bundle', made: 'RequestingParty 90-B3-D5-1F-30-01-00-09, re-signed',
    make: (b, sign) => sign(rep(b, '<RequestingParty>90-B3-D5-1F-30-01-00-08<', '<RequestingParty>90-B3-D5-1F-30-01-00-09<')),
    expect: { status: 'rejected', errors: ['MCF_SIGNER_UNKNOWN'], fileId: FILE_ID } },
  { name: 'smso-without-directory', why: 'an SMSO the reference directory has no folder for (and a name that must not reach the file system as a path)', made: 'SMSO LG, re-signed',
    make: (b, sign) => sign(rep(b, '<SMSO>MDS<', '<SMSO>LG<')), expect: { status: 'rejected', errors: ['MCF_SIGNER_UNKNOWN'], fileId: FILE_ID } },
  { name: 'signer-expired', why: 'CreatedAt before the signer certificate\'s notBefore (2023-11-16)', made: 'CreatedAt 2023-01-01T00:00:00Z, re-signed',
    make: (b, sign) => sign(rep(b, '<CreatedAt>2026-11-28T09:00:00Z<', '<CreatedAt>2023-01-01T00:00:00Z<')), expect: { status: 'rejected', errors: ['MCF_SIGNER_EXPIRED'], fileId: FILE_ID } },

  // --- limits (mcf-format.md, Limits): each at and just beyond it --------------------------
  { name: 'attribute-64-code-points', why: 'the attribute limit counts code points, not bytes: 64 two-byte characters are allowed', made: 'an ignored attribute of 64 "é" (128 bytes), re-signed',
    make: (b, sign) => sign(rep(b, '<Installation id="V2">', `<Installation id="V2" note="${'é'.repeat(64)}">`)), expect: { status: 'accepted', errors: [], fileId: FILE_ID, installations: VALID } },
  { name: 'oversized-attribute', why: 'any attribute value over 64 characters, even an ignored one', made: 'an ignored attribute of 65 "A", re-signed',
    make: (b, sign) => sign(rep(b, '<Installation id="V2">', `<Installation id="V2" note="${'A'.repeat(65)}">`)), expect: { ...MALFORMED, fileId: FILE_ID } },
  { name: 'attributes-32', why: '32 attributes on one element are allowed', made: 'id and 31 ignored attributes on the Installation, re-signed',
    make: (b, sign) => sign(rep(b, '<Installation id="V2">', `<Installation id="V2"${Array.from({ length: 31 }, (_, i) => ` a${i}="x"`).join('')}>`)),
    expect: { status: 'accepted', errors: [], fileId: FILE_ID, installations: VALID } },
  { name: 'too-many-attributes', why: 'more than 32 attributes on one element', made: 'id and 32 ignored attributes on the Installation, re-signed',
    make: (b, sign) => sign(rep(b, '<Installation id="V2">', `<Installation id="V2"${Array.from({ length: 32 }, (_, i) => ` a${i}="x"`).join('')}>`)),
    expect: { ...MALFORMED, fileId: FILE_ID } },
  { name: 'text-8192-code-points', why: 'the text limit counts code points: 8192 two-byte characters are within it, and the field then gets its own code', made: 'ESME FirmwareVersion of 8192 "é" (16 KiB), re-signed',
    make: (b, sign) => sign(esmeFirmware(b, 'é'.repeat(8192))), expect: { status: 'accepted', errors: [], fileId: FILE_ID, installations: ESME_FIELD('DEV_FIELD_INVALID') } },
  { name: 'oversized-text', why: 'an element text over 8192 code points', made: 'ESME FirmwareVersion of 8193 "A", re-signed',
    make: (b, sign) => sign(esmeFirmware(b, 'A'.repeat(8193))), expect: { ...MALFORMED, fileId: FILE_ID } },
  { name: 'oversized-whitespace-gap', why: 'the text limit also bounds whitespace between children (a container\'s direct character data)', made: '8193 spaces between the two Devices, re-signed',
    make: (b, sign) => sign(rep(b, '</Device>\n', `</Device>${' '.repeat(8193)}\n`)), expect: { ...MALFORMED, fileId: FILE_ID } },
  { name: 'oversized-certificate', why: 'a Certificate over 4096 base64 characters is the device\'s DEV_CERT_MALFORMED, not a file failure', made: 'ESME Certificate of 4100 "A", re-signed',
    make: (b, sign) => { const s = b.toString('latin1'); const at = s.indexOf('<Certificate>', s.indexOf('<DeviceType>ESME')) + 13; return sign(rep(b, s.slice(at, s.indexOf('<', at)), 'A'.repeat(4100))); },
    expect: { status: 'accepted', errors: [], fileId: FILE_ID, installations: ESME_FIELD('DEV_CERT_MALFORMED') } },
  { name: 'oversized-credential', why: 'a Credential over 4096 base64 characters is DEV_CREDENTIAL_INVALID', made: 'ESME Credential of 4100 "A", re-signed',
    make: (b, sign) => { const s = b.toString('latin1'); const at = s.indexOf('<Credential>', s.indexOf('<DeviceType>ESME')) + 12; return sign(rep(b, s.slice(at, s.indexOf('<', at)), 'A'.repeat(4100))); },
    expect: { status: 'accepted', errors: [], fileId: FILE_ID, installations: ESME_FIELD('DEV_CREDENTIAL_INVALID') } },
  { name: 'name-256-bytes', why: 'an element name of 256 bytes is within the limit: an unknown element in a Device is DEV_FIELD_INVALID', made: '<N...N/> (256 bytes) in the ESME, re-signed',
    make: (b, sign) => sign(inEsme(b, `<${'N'.repeat(256)}/>`)), expect: { status: 'accepted', errors: [], fileId: FILE_ID, installations: ESME_FIELD('DEV_FIELD_INVALID') } },
  { name: 'oversized-name', why: 'an element name over 256 bytes, also inside a Device', made: '<N...N/> (257 bytes) in the ESME, re-signed',
    make: (b, sign) => sign(inEsme(b, `<${'N'.repeat(257)}/>`)), expect: { ...MALFORMED, fileId: FILE_ID } },
  { name: 'nested-64-levels', why: 'nesting to level 64 (the root is 1) is within the limit: unknown elements in a Device are DEV_FIELD_INVALID', made: '61 nested <x> in the ESME (root, Installation, Device and 61 = 64), re-signed',
    make: (b, sign) => sign(inEsme(b, `${'<x>'.repeat(61)}${'</x>'.repeat(61)}`)), expect: { status: 'accepted', errors: [], fileId: FILE_ID, installations: ESME_FIELD('DEV_FIELD_INVALID') } },
  { name: 'deeply-nested', why: 'nesting beyond 64 levels (stack exhaustion)', made: '62 nested <x> in the ESME (level 65), re-signed',
    make: (b, sign) => sign(inEsme(b, `${'<x>'.repeat(62)}${'</x>'.repeat(62)}`)), expect: { ...MALFORMED, fileId: FILE_ID } },

  // --- installation and device level: accepted files with coded installations -------------
  { name: 'installation-33-devices', why: 'more than 32 devices is INST_STRUCTURE whatever they hold (the oversized path of validate)', made: '31 IHDs under the ESME added (33 devices), counts fixed, re-signed',
    make: (b, sign) => sign(fixCounts(rep(b, END_INST, `${Array.from({ length: 31 }, (_, i) => ihd(i)).join('')}${END_INST}`))),
    expect: { status: 'accepted', errors: [], fileId: FILE_ID, installations: [{ id: 'V2', status: 'invalid', errors: ['INST_STRUCTURE'] }] } },
  { name: 'installation-without-devices', why: 'an Installation with no Device', made: 'the two Devices removed, counts fixed, re-signed',
    make: (b, sign) => { const s = b.toString('latin1'); return sign(fixCounts(rep(b, s.slice(s.indexOf('    <Device>'), s.indexOf(END_INST)), ''))); },
    expect: { status: 'accepted', errors: [], fileId: FILE_ID, installations: [{ id: 'V2', status: 'invalid', errors: ['INST_STRUCTURE'] }] } },
  { name: 'duplicate-device', why: 'the same devices in two installations: both invalid, the devices keep their own status', made: 'the installation repeated as V3, counts fixed, re-signed',
    make: (b, sign) => { const s = b.toString('latin1'); const i = s.slice(s.indexOf('  <Installation id='), s.indexOf(END_INST) + END_INST.length); return sign(fixCounts(rep(b, i, `${i}${i.replace('id="V2"', 'id="V3"')}`))); },
    expect: { status: 'accepted', errors: [], fileId: FILE_ID, installations: [{ id: 'V2', status: 'invalid', errors: ['INST_DUPLICATE_DEVICE'] }, { id: 'V3', status: 'invalid', errors: ['INST_DUPLICATE_DEVICE'] }] } },
  { name: 'device-unknown-element', why: 'an element a Device does not define', made: '<Colour>red</Colour> in the ESME, re-signed',
    make: (b, sign) => sign(inEsme(b, '<Colour>red</Colour>')), expect: { status: 'accepted', errors: [], fileId: FILE_ID, installations: ESME_FIELD('DEV_FIELD_INVALID') } },
  { name: 'device-id-not-eui64', why: 'a DeviceID that is not an EUI-64 (its certificate then cannot match it)', made: 'the CHF DeviceID 00-DB-00-00-00-00-4F-5Z, re-signed',
    make: (b, sign) => sign(rep(b, '<DeviceID>00-DB-00-00-00-00-4F-59<', '<DeviceID>00-DB-00-00-00-00-4F-5Z<')),
    // The ESME's Parent then points at no device of the installation: INST_STRUCTURE.
    expect: { status: 'accepted', errors: [], fileId: FILE_ID, installations: [{ id: 'V2', status: 'invalid', errors: ['INST_STRUCTURE'], devices: { '00-DB-00-00-00-00-4F-5Z': ['DEV_ID_INVALID', 'DEV_CERT_ID_MISMATCH', 'DEV_CREDENTIAL_INVALID'] } }] } },
];

export { CHF, ESME };

/** Why each rejected shape is rejected, as the product says it (see Expected.because). */
export const BECAUSE: Readonly<Record<string, string>> = {
  'empty-file': 'no root element', 'bom-only': 'no root element', 'garbage-binary': 'invalid UTF-8', 'not-xml-json': 'content before the root element',
  'empty-root': 'no Header', 'bom-twice': 'content before the root element', 'utf16-bom': 'invalid UTF-8', 'declaration-latin1': 'encoding ISO-8859-1',
  'declaration-not-at-start': 'processing instruction', 'utf8-truncated-sequence': 'invalid UTF-8', 'utf8-truncated-at-eof': 'invalid UTF-8 at end of file',
  'utf8-overlong': 'invalid UTF-8', 'utf8-surrogate': 'invalid UTF-8', 'utf8-noncharacter-fffe': 'invalid UTF-8', 'nul-byte': 'control character',
  'nul-char-reference': "reference '&#0;'", 'char-reference-out-of-range': "reference '&#x110000;'", 'doctype-entity': 'DOCTYPE', 'doctype-bare': 'DOCTYPE',
  'billion-laughs': 'DOCTYPE', 'external-entity': 'DOCTYPE', 'parameter-entity-remote': 'DOCTYPE', 'undeclared-entity': "reference '&nbsp;'",
  'cdata-section': 'CDATA', 'processing-instruction': 'processing instruction', 'comment-double-dash': "'--' inside a comment",
  'comment-after-root': 'after the root element', 'content-after-root': 'content after the root element', 'second-root': 'after the root element',
  'mismatched-end-tag': "end tag 'Modle'", 'duplicate-attribute': "duplicate attribute 'id'", 'unbound-prefix': "unbound or malformed element name 'x:Note'",
  'text-in-container': 'character data in a container element', 'lt-in-attribute': "'<' in attribute value", 'unquoted-attribute': 'not quoted',
  'truncated-in-header': 'unexpected end of file', 'truncated-mid-tag': 'unexpected end of file', 'truncated-before-signature': 'unexpected end of file',
  'truncated-before-root-end': 'unexpected end of file', 'root-wrong-namespace': 'root element is not MigrationCommonFile', 'schema-version-missing': 'schemaVersion missing',
  'schema-version-2': '"2.0"', 'schema-version-empty': '""', 'header-twice': "'Header' not allowed or out of order", 'header-field-out-of-order': "'RequestingParty' unknown or out of order",
  'unknown-root-child': "'Extra' not allowed", 'installation-id-repeated': "'V2' repeated", 'createdat-february-30': 'CreatedAt', 'count-eleven-digits': 'DeviceCount',
  'signature-missing': 'no Signature', 'signature-empty': 'no Signature', 'duplicate-signature': 'element after the Signature', 'signature-not-last': 'element after the Signature',
  'signature-foreign-namespace': "'Signature' not allowed", 'signature-not-base64': 'does not verify', 'signature-oversized': 'does not verify',
  'signed-bytes-changed': 'does not verify', 'count-mismatch': 'DeviceCount 3, body 2', 'count-mismatch-unsigned': 'does not verify', 'signer-unknown': 'no file-signing certificate',
  'smso-without-directory': 'no file-signing certificate', 'signer-expired': 'valid at CreatedAt', 'oversized-attribute': 'attribute value longer than allowed',
  'too-many-attributes': 'too many attributes', 'oversized-text': 'text value longer than allowed', 'oversized-whitespace-gap': 'text value longer than allowed',
  'oversized-name': 'name too long', 'deeply-nested': 'nested too deeply',
};
