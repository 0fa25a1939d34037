/**
 * Enveloped XML-DSig the way DCC signs DUIS messages: Reference URI "" with the one
 * transform enveloped-signature (so the digest is over the inclusive C14N of the document
 * without its Signature, XML-DSig 4.3.3.2), SHA-256, SignedInfo canonicalised with
 * exclusive C14N, ECDSA P-256 over SHA-256 with the value as r||s in base64.
 */
import { createHash, sign, verify, type KeyObject } from 'node:crypto';
import { C14N_EXCLUSIVE, C14N_INCLUSIVE, canonicalize, escapeText } from './c14n.js';
import { parseXmlDocument, type XmlElement } from './dom.js';

export const DSIG_NS = 'http://www.w3.org/2000/09/xmldsig#';
export const ALG = {
  c14nExclusive: C14N_EXCLUSIVE,
  c14nInclusive: C14N_INCLUSIVE,
  ecdsaSha256: 'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256',
  sha256: 'http://www.w3.org/2001/04/xmlenc#sha256',
  enveloped: 'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
} as const;

/** Who signed, as KeyInfo's X509IssuerSerial names it. */
export interface SignerIdentity {
  /** RFC 4514 string of the certificate's issuer. */
  readonly issuerName: string;
  /** The certificate's serial number in decimal. */
  readonly serial: string;
}

/**
 * SignedInfo as written inside `<ds:Signature xmlns:ds=...>`; with `declare` it is also its
 * exclusive canonical form (the one prefix it uses, declared on itself).
 */
function signedInfo(digestB64: string, declare: boolean): string {
  return `<ds:SignedInfo${declare ? ` xmlns:ds="${DSIG_NS}"` : ''}><ds:CanonicalizationMethod Algorithm="${ALG.c14nExclusive}"></ds:CanonicalizationMethod>`
    + `<ds:SignatureMethod Algorithm="${ALG.ecdsaSha256}"></ds:SignatureMethod><ds:Reference URI=""><ds:Transforms>`
    + `<ds:Transform Algorithm="${ALG.enveloped}"></ds:Transform></ds:Transforms><ds:DigestMethod Algorithm="${ALG.sha256}"></ds:DigestMethod>`
    + `<ds:DigestValue>${digestB64}</ds:DigestValue></ds:Reference></ds:SignedInfo>`;
}

/**
 * Signs a document given as its root's canonical text up to (not including) the root's end
 * tag, whose root declares only what the whole document uses: the caller writes it in
 * canonical form (no whitespace between elements, c14n escapes), so that text plus the end
 * tag is the document's inclusive C14N without the Signature. Returns the signed document.
 */
export function signEnveloped(canonicalOpen: string, rootName: string, key: KeyObject, signer: SignerIdentity): string {
  const end = `</${rootName}>`;
  const digest = createHash('sha256').update(canonicalOpen + end, 'utf8').digest('base64');
  const value = sign('sha256', Buffer.from(signedInfo(digest, true), 'utf8'), { key, dsaEncoding: 'ieee-p1363' }).toString('base64');
  return `<?xml version="1.0" encoding="UTF-8"?>\n${canonicalOpen}<ds:Signature xmlns:ds="${DSIG_NS}">${signedInfo(digest, false)}`
    + `<ds:SignatureValue>${value}</ds:SignatureValue><ds:KeyInfo><ds:X509Data><ds:X509IssuerSerial>`
    + `<ds:X509IssuerName>${escapeText(signer.issuerName)}</ds:X509IssuerName><ds:X509SerialNumber>${signer.serial}</ds:X509SerialNumber>`
    + `</ds:X509IssuerSerial></ds:X509Data></ds:KeyInfo></ds:Signature>${end}`;
}

export type VerifyResult =
  | { readonly ok: true; readonly root: XmlElement; readonly signer: SignerIdentity | null }
  | { readonly ok: false; readonly reason: string; readonly root: XmlElement | null };

const dsChildren = (el: XmlElement, local: string): XmlElement[] =>
  el.children.filter((c): c is XmlElement => c.kind === 'element' && c.ns === DSIG_NS && c.local === local);

const textOf = (el: XmlElement | undefined): string => (el?.children ?? []).map((c) => (c.kind === 'text' ? c.value : '')).join('');

const attr = (el: XmlElement | undefined, name: string): string | undefined => el?.attributes.find((a) => a.name === name)?.value;

/**
 * Verifies an enveloped signature over the whole document: the Signature must be a child
 * of the root and use exactly the algorithms above (with an optional exclusive-C14N
 * transform after enveloped-signature), and its one Reference must be URI "".
 */
export function verifyEnveloped(xml: string, publicKey: KeyObject): VerifyResult {
  const parsed = parseXmlDocument(xml);
  if (!parsed.ok) return { ok: false, reason: `not well-formed XML: ${parsed.reason}`, root: null };
  const root = parsed.root;
  const no = (reason: string): VerifyResult => ({ ok: false, reason, root });
  const sigs = dsChildren(root, 'Signature');
  if (sigs.length !== 1) return no(`${sigs.length} ds:Signature elements under the root (one is needed)`);
  const sig = sigs[0]!;
  const [si, more] = dsChildren(sig, 'SignedInfo');
  if (si === undefined || more !== undefined) return no('no single ds:SignedInfo');
  if (attr(dsChildren(si, 'CanonicalizationMethod')[0], 'Algorithm') !== ALG.c14nExclusive) return no('CanonicalizationMethod is not exclusive C14N');
  if (attr(dsChildren(si, 'SignatureMethod')[0], 'Algorithm') !== ALG.ecdsaSha256) return no('SignatureMethod is not ecdsa-sha256');
  const refs = dsChildren(si, 'Reference');
  if (refs.length !== 1 || attr(refs[0], 'URI') !== '') return no('not exactly one Reference with URI ""');
  const ref = refs[0]!;
  const transforms = dsChildren(dsChildren(ref, 'Transforms')[0] ?? ref, 'Transform').map((t) => attr(t, 'Algorithm'));
  if (transforms[0] !== ALG.enveloped || transforms.length > 2 || (transforms.length === 2 && transforms[1] !== ALG.c14nExclusive)) {
    return no('Transforms are not enveloped-signature (then optionally exclusive C14N)');
  }
  if (attr(dsChildren(ref, 'DigestMethod')[0], 'Algorithm') !== ALG.sha256) return no('DigestMethod is not SHA-256');
  const expectedDigest = textOf(dsChildren(ref, 'DigestValue')[0]).trim();
  const canonical = canonicalize(root, { exclusive: transforms.length === 2, omit: (el) => el === sig });
  const digest = createHash('sha256').update(canonical, 'utf8').digest('base64');
  if (digest !== expectedDigest) return no('the digest does not match: a signed part was changed');
  const value = Buffer.from(textOf(dsChildren(sig, 'SignatureValue')[0]).replace(/[\s]/g, ''), 'base64');
  if (value.length !== 64) return no('SignatureValue is not a 64-byte r||s');
  const ok = verify('sha256', Buffer.from(canonicalize(si, { exclusive: true }), 'utf8'), { key: publicKey, dsaEncoding: 'ieee-p1363' }, value);
  if (!ok) return no('the signature does not verify with this key');
  const serial = dsChildren(dsChildren(dsChildren(sig, 'KeyInfo')[0] ?? sig, 'X509Data')[0] ?? sig, 'X509IssuerSerial')[0];
  const signer = serial === undefined ? null : { issuerName: textOf(dsChildren(serial, 'X509IssuerName')[0]), serial: textOf(dsChildren(serial, 'X509SerialNumber')[0]) };
  return { ok: true, root, signer };
}

/** The inclusive C14N digest of a document without its root's Signature (tests use it against DCC's own vector). */
export function envelopedDigest(xml: string): string | null {
  const parsed = parseXmlDocument(xml);
  if (!parsed.ok) return null;
  const sig = dsChildren(parsed.root, 'Signature')[0];
  return createHash('sha256').update(canonicalize(parsed.root, { exclusive: false, omit: (el) => el === sig }), 'utf8').digest('base64');
}
