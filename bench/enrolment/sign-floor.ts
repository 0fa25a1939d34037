/**
 * The same-run floor for alert signing: one core's rate of the bare ECDSA P-256 sign of an
 * alert's SignedInfo (node:crypto, r||s), measured interleaved with the product's whole
 * alert (renderAlert: the document, its SHA-256 digest, SignedInfo, the sign and the
 * string assembly) so that both see the same machine load.
 */
import { createHash, sign } from 'node:crypto';
import { renderAlert } from '../../src/core/alerts/duis-alert.js';
import { loadAlertSigner } from '../../src/core/reference/alert-signing.js';
import { spread, type Spread } from '../validate/stats.js';

export interface SignFloor {
  /** Bare ECDSA P-256 signs per second on one core. */
  readonly signPerSecond: Spread;
  /** Whole signed alerts per second on one core. */
  readonly alertPerSecond: Spread;
  /** alertPerSecond / signPerSecond, per round. */
  readonly ratio: Spread;
}

function ratePerSecond(ms: number, op: (i: number) => void): number {
  for (let i = 0; i < 50; i++) op(i); // warm-up
  const t0 = process.hrtime.bigint();
  const until = t0 + BigInt(ms) * 1_000_000n;
  let n = 0;
  let now = t0;
  while (now < until) {
    for (let k = 0; k < 20; k++) op(n++);
    now = process.hrtime.bigint();
  }
  return n / (Number(now - t0) / 1e9);
}

export function measureSignFloor(refDir: string, rounds = 5, msPerRound = 1000): SignFloor {
  const signer = loadAlertSigner(refDir);
  const signedInfo = Buffer.from(`<ds:SignedInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#">${'x'.repeat(700)}</ds:SignedInfo>`, 'utf8');
  const digest = createHash('sha256').update('bench').digest('base64');
  const bare = (i: number): void => {
    signedInfo.write(digest, 100 + (i % 8));
    sign('sha256', signedInfo, { key: signer.privateKey, dsaEncoding: 'ieee-p1363' });
  };
  const whole = (i: number): void => {
    renderAlert({ requestId: `90-B3-D5-1F-30-02-01-00:00-DB-12-34-56-78-90-00:${i}`, deviceId: '00db123456789001', code: 'N55', additionalInformation: null, atMs: 1_765_000_000_000 + i },
      signer.privateKey, signer.identity);
  };
  const signs: number[] = [];
  const alerts: number[] = [];
  for (let r = 0; r < rounds; r++) {
    // Alternate which goes first, so a trend in machine load does not favour one.
    if (r % 2 === 0) {
      signs.push(ratePerSecond(msPerRound, bare));
      alerts.push(ratePerSecond(msPerRound, whole));
    } else {
      alerts.push(ratePerSecond(msPerRound, whole));
      signs.push(ratePerSecond(msPerRound, bare));
    }
  }
  return { signPerSecond: spread(signs), alertPerSecond: spread(alerts), ratio: spread(alerts.map((a, k) => a / signs[k]!)) };
}
