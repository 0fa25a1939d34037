/**
 * The few certificate fields the generator reads from a reference directory: subject Name
 * DER (to issue device certificates under a CA) and the x500UniqueIdentifier party EUI of a
 * file signer. Deliberately independent of the validator's parser (src/x509/), so that a
 * generated file cross-checks it instead of sharing its mistakes.
 */

interface Node {
  tag: number;
  start: number;
  body: number;
  end: number;
}

function node(buf: Uint8Array, pos: number, limit: number): Node {
  const tag = buf[pos];
  const first = buf[pos + 1];
  if (tag === undefined || first === undefined) throw new RangeError('truncated DER');
  let len = first;
  let body = pos + 2;
  if (first & 0x80) {
    const n = first & 0x7f;
    if (n === 0 || n > 4) throw new RangeError('unsupported DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (buf[pos + 2 + i] ?? 0);
    body += n;
  }
  if (body + len > limit) throw new RangeError('DER overruns its parent');
  return { tag, start: pos, body, end: body + len };
}

function children(buf: Uint8Array, parent: Node): Node[] {
  const out: Node[] = [];
  for (let pos = parent.body; pos < parent.end; ) {
    const n = node(buf, pos, parent.end);
    out.push(n);
    pos = n.end;
  }
  return out;
}

function tbsFields(der: Uint8Array): Node[] {
  const cert = node(der, 0, der.length);
  const tbs = children(der, cert)[0];
  if (tbs === undefined) throw new RangeError('no tbsCertificate');
  const fields = children(der, tbs);
  // version [0] is optional; without it the fields shift by one
  return fields[0]?.tag === 0xa0 ? fields.slice(1) : fields;
}

/** DER of the certificate's subject Name. */
export function subjectNameDer(der: Uint8Array): Buffer {
  const subject = tbsFields(der)[4];
  if (subject === undefined) throw new RangeError('no subject');
  return Buffer.from(der.subarray(subject.start, subject.end));
}

const X500_UID_OID = Buffer.from('55042d', 'hex');

/** Canonical EUI-64 held by the subject's x500UniqueIdentifier (BIT STRING of 8 bytes), or null. */
export function subjectPartyEui(der: Uint8Array): string | null {
  const subject = tbsFields(der)[4];
  if (subject === undefined) return null;
  for (const rdn of children(der, subject)) {
    for (const atv of children(der, rdn)) {
      const [type, value] = children(der, atv);
      if (type === undefined || value === undefined) continue;
      if (!Buffer.from(der.subarray(type.body, type.end)).equals(X500_UID_OID)) continue;
      if (value.tag !== 0x03 || value.end - value.body !== 9 || der[value.body] !== 0) return null;
      return Buffer.from(der.subarray(value.body + 1, value.end)).toString('hex');
    }
  }
  return null;
}
