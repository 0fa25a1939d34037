import { describe, expect, it } from 'vitest';
import { readSingle } from '../../../../src/core/der/reader.js';
import { NO_EXPIRY, isValidAt, readTime } from '../../../../src/core/x509/time.js';
import { gen, utc } from './test-certs.js';

const t = (enc: Buffer) => readTime(enc, readSingle(enc)!);

describe('readTime', () => {
  it('maps UTCTime 50-99 to 19YY and 00-49 to 20YY', () => {
    expect(t(utc('500101000000Z'))).toBe(Date.UTC(1950, 0, 1) / 1000);
    expect(t(utc('491231235959Z'))).toBe(Date.UTC(2049, 11, 31, 23, 59, 59) / 1000);
    expect(t(utc('160406000000Z'))).toBe(Date.UTC(2016, 3, 6) / 1000);
  });
  it('reads GeneralizedTime, with 99991231235959Z as no expiry', () => {
    expect(t(gen('21180101000000Z'))).toBe(Date.UTC(2118, 0, 1) / 1000);
    expect(t(gen('20240229120000Z'))).toBe(Date.UTC(2024, 1, 29, 12) / 1000);
    expect(t(gen('99991231235959Z'))).toBe(NO_EXPIRY);
    expect(t(gen('99991231235958Z'))).toBe(Date.UTC(9999, 11, 31, 23, 59, 58) / 1000);
  });
  it('rejects non-DER or impossible times', () => {
    for (const bad of [utc('2401010000Z'), utc('240101000000+0000'), utc('240230000000Z'), utc('241301000000Z'),
      utc('240101240000Z'), utc('240101006000Z'), utc('240101000060Z'), gen('20230229000000Z'),
      gen('20240101000000.5Z'), gen('2024010100000Z'), utc('24010100000AZ')]) {
      expect(t(bad)).toBeNull();
    }
  });
  it('judges validity inclusively in whole seconds', () => {
    expect(isValidAt(10, 20, 10)).toBe(true);
    expect(isValidAt(10, 20, 20)).toBe(true);
    expect(isValidAt(10, 20, 21)).toBe(false);
    expect(isValidAt(10, 20, 9)).toBe(false);
    expect(isValidAt(10, NO_EXPIRY, 253402300800)).toBe(true);
  });
});
