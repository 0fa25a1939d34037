import { describe, expect, it } from 'vitest';
import * as der from '../../../../src/core/der/writer.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('DER writer', () => {
  it('encodes INTEGER minimally and positive', () => {
    expect(hex(der.integer(0))).toBe('020100');
    expect(hex(der.integer(127))).toBe('02017f');
    expect(hex(der.integer(128))).toBe('02020080');
    expect(hex(der.integer(256))).toBe('02020100');
    expect(hex(der.integer(2))).toBe('020102');
    expect(hex(der.integer(Buffer.from('000000ff', 'hex')))).toBe('020200ff');
    expect(hex(der.integer(Buffer.from('0000', 'hex')))).toBe('020100');
    expect(hex(der.integer(0x71c56392ce9985ddn))).toBe('020871c56392ce9985dd');
    expect(() => der.integer(-1)).toThrow(RangeError);
  });

  it('encodes OIDs (known encodings)', () => {
    expect(hex(der.oid('1.2.840.10045.4.3.2'))).toBe('06082a8648ce3d040302');
    expect(hex(der.oid('1.2.840.10045.3.1.7'))).toBe('06082a8648ce3d030107');
    expect(hex(der.oid('2.5.4.45'))).toBe('060355042d');
    expect(hex(der.oid('1.3.6.1.5.5.7.8.4'))).toBe('06082b06010505070804');
    // hwType of the RTDS device certificates, copied from their DER
    expect(hex(der.oid('1.2.826.0.1.8641679.1.2.2.1'))).toBe('060d2a863a0001848fb90f01020201');
  });

  it('encodes lengths in short and long form', () => {
    expect(hex(der.octetString(Buffer.alloc(127))).slice(0, 4)).toBe('047f');
    expect(hex(der.octetString(Buffer.alloc(128))).slice(0, 6)).toBe('048180');
    expect(hex(der.octetString(Buffer.alloc(300))).slice(0, 8)).toBe('0482012c');
  });

  it('encodes the simple types', () => {
    expect(hex(der.boolean(true))).toBe('0101ff');
    expect(hex(der.boolean(false))).toBe('010100');
    expect(hex(der.nullValue())).toBe('0500');
    expect(hex(der.sequence())).toBe('3000');
    expect(hex(der.printableString('E357'))).toBe('130445333537');
    expect(hex(der.utf8String('08'))).toBe('0c023038');
    expect(hex(der.bitString(Buffer.from('90b3d51f30010008', 'hex')))).toBe('03090090b3d51f30010008');
    expect(() => der.printableString('a_b')).toThrow(RangeError);
  });

  it('encodes named bits with trailing zero bits removed (keyUsage values of real certificates)', () => {
    expect(hex(der.namedBits([0]))).toBe('03020780'); // digitalSignature
    expect(hex(der.namedBits([4]))).toBe('03020308'); // keyAgreement
    expect(hex(der.namedBits([5, 6]))).toBe('03020106'); // keyCertSign, cRLSign
    expect(hex(der.namedBits([0, 4]))).toBe('03020388');
    expect(hex(der.namedBits([8]))).toBe('0303070080'); // decipherOnly
    expect(hex(der.namedBits([]))).toBe('030100');
  });

  it('sorts SET OF elements', () => {
    expect(hex(der.set(der.integer(2), der.integer(1)))).toBe('3106020101020102');
  });

  it('chooses UTCTime for 1950-2049 and GeneralizedTime otherwise', () => {
    expect(hex(der.time(new Date('2016-04-06T00:00:00Z')))).toBe('170d' + Buffer.from('160406000000Z').toString('hex'));
    expect(hex(der.time(new Date('1950-01-01T00:00:00Z')))).toBe('170d' + Buffer.from('500101000000Z').toString('hex'));
    expect(hex(der.time(new Date('2049-12-31T23:59:59Z')))).toBe('170d' + Buffer.from('491231235959Z').toString('hex'));
    expect(hex(der.time(new Date('2050-01-01T00:00:00Z')))).toBe('180f' + Buffer.from('20500101000000Z').toString('hex'));
    expect(hex(der.time(new Date('1949-12-31T23:59:59Z')))).toBe('180f' + Buffer.from('19491231235959Z').toString('hex'));
    expect(hex(der.time(new Date('9999-12-31T23:59:59Z')))).toBe('180f' + Buffer.from('99991231235959Z').toString('hex'));
  });

  it('writes explicit and implicit context tags', () => {
    expect(hex(der.explicit(0, der.integer(2)))).toBe('a003020102');
    expect(hex(der.explicit(3, der.sequence()))).toBe('a3023000');
    expect(hex(der.implicit(0, der.octetString(Buffer.from('47d4', 'hex'))))).toBe('800247d4');
    expect(hex(der.implicit(0, der.sequence(der.nullValue())))).toBe('a0020500');
  });
});
