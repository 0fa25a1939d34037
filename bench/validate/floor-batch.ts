/**
 * Wire format of one crypto-floor task: a single ArrayBuffer (transferred, not cloned)
 * holding the primitive inputs of a batch of devices.
 *   u32 certCount, u32 credCount,
 *   per certificate: u16 caIndex, u32 tbsLen, u32 sigLen, tbs, sig
 *   per credential: u8 idLen, u32 blobLen, id (ASCII), blob
 */
export interface FloorCert {
  readonly caIndex: number;
  readonly tbs: Uint8Array;
  readonly sig: Uint8Array;
}

export interface FloorCredential {
  readonly id: string;
  readonly blob: Uint8Array;
}

export interface FloorBatchView {
  readonly certs: FloorCert[];
  readonly creds: FloorCredential[];
}

export function packBatch(certs: readonly FloorCert[], creds: readonly FloorCredential[]): ArrayBuffer {
  let size = 8;
  for (const c of certs) size += 10 + c.tbs.length + c.sig.length;
  for (const c of creds) size += 5 + c.id.length + c.blob.length;
  const buf = Buffer.alloc(size);
  let o = buf.writeUInt32LE(certs.length, 0);
  o = buf.writeUInt32LE(creds.length, o);
  for (const c of certs) {
    o = buf.writeUInt16LE(c.caIndex, o);
    o = buf.writeUInt32LE(c.tbs.length, o);
    o = buf.writeUInt32LE(c.sig.length, o);
    buf.set(c.tbs, o);
    o += c.tbs.length;
    buf.set(c.sig, o);
    o += c.sig.length;
  }
  for (const c of creds) {
    o = buf.writeUInt8(c.id.length, o);
    o = buf.writeUInt32LE(c.blob.length, o);
    o += buf.write(c.id, o, 'ascii');
    buf.set(c.blob, o);
    o += c.blob.length;
  }
  // Buffer.alloc may hand out a slice of a shared pool; a copy owns its ArrayBuffer outright.
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length);
}

export function unpackBatch(ab: ArrayBuffer): FloorBatchView {
  const buf = Buffer.from(ab);
  const certCount = buf.readUInt32LE(0);
  const credCount = buf.readUInt32LE(4);
  let o = 8;
  const certs: FloorCert[] = [];
  for (let i = 0; i < certCount; i++) {
    const caIndex = buf.readUInt16LE(o);
    const tbsLen = buf.readUInt32LE(o + 2);
    const sigLen = buf.readUInt32LE(o + 6);
    o += 10;
    certs.push({ caIndex, tbs: buf.subarray(o, o + tbsLen), sig: buf.subarray(o + tbsLen, o + tbsLen + sigLen) });
    o += tbsLen + sigLen;
  }
  const creds: FloorCredential[] = [];
  for (let i = 0; i < credCount; i++) {
    const idLen = buf.readUInt8(o);
    const blobLen = buf.readUInt32LE(o + 1);
    o += 5;
    const id = buf.toString('ascii', o, o + idLen);
    o += idLen;
    creds.push({ id, blob: buf.subarray(o, o + blobLen) });
    o += blobLen;
  }
  return { certs, creds };
}
