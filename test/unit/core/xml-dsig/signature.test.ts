import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { canonicalize } from '../../../../src/core/xml-dsig/c14n.js';
import { parseXmlDocument } from '../../../../src/core/xml-dsig/dom.js';
import { envelopedDigest, signEnveloped, verifyEnveloped } from '../../../../src/core/xml-dsig/signature.js';

const DUIS = fileURLToPath(new URL('../../../../../shared/fixtures/duis/', import.meta.url));
const pair = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });
const signer = { issuerName: 'CN=Z1,OU=07', serial: '123456789' };
const NS = 'urn:test';

describe('XML-DSig (enveloped, exclusive C14N, ECDSA P-256)', () => {
  it("reproduces the digest of DCC's own signed DUIS response (inclusive C14N of the document without its Signature)", () => {
    // A known answer: the DigestValue DCC's Java signing tool wrote (xmlsec1 confirms the reference).
    const xml = readFileSync(`${DUIS}read-inventory-response-5.4.xml`, 'utf8');
    expect(envelopedDigest(xml)).toBe('gfniWH6VnGPqa18Blwb2ZzJHrbVgHFdB/+o2k7dZEhY=');
    // Its signature is by a DCC key not published: verifying with any other key must fail on the signature, not the digest.
    const r = verifyEnveloped(xml, pair().publicKey);
    expect(r).toMatchObject({ ok: false, reason: 'the signature does not verify with this key' });
  });

  it('canonicalises as the W3C rules say: namespaces, attribute order, escapes, empty elements', () => {
    const doc = '<?xml version="1.0"?>\r\n<a:r xmlns:b="urn:b" xmlns:a="urn:a" xmlns:u="urn:unused" z="1" b:y="&#9;2&amp;" a:x="\'3\'"><e/>t&gt;\r\n&#13;<![CDATA[<c>]]><!-- gone --><b:k xmlns:a="urn:a"/></a:r>';
    const p = parseXmlDocument(doc);
    expect(p.ok).toBe(true);
    if (!p.ok) return;
    expect(canonicalize(p.root, { exclusive: false })).toBe(
      '<a:r xmlns:a="urn:a" xmlns:b="urn:b" xmlns:u="urn:unused" z="1" a:x="\'3\'" b:y="&#x9;2&amp;"><e></e>t&gt;\n&#xD;&lt;c&gt;<b:k></b:k></a:r>');
    // Exclusive: only the prefixes each element visibly uses, where no output ancestor has them.
    expect(canonicalize(p.root, { exclusive: true })).toBe(
      '<a:r xmlns:a="urn:a" xmlns:b="urn:b" z="1" a:x="\'3\'" b:y="&#x9;2&amp;"><e></e>t&gt;\n&#xD;&lt;c&gt;<b:k></b:k></a:r>');
    const inner = (p.root.children.find((c) => c.kind === 'element' && c.local === 'k'))!;
    expect(canonicalize(inner as never, { exclusive: true })).toBe('<b:k xmlns:b="urn:b"></b:k>');
  });

  it('refuses a DOCTYPE, entities, a PI, undeclared prefixes and mismatched tags, with reasons', () => {
    for (const [doc, why] of [
      ['<!DOCTYPE r [<!ENTITY x "y">]><r>&x;</r>', /DOCTYPE/],
      ['<r>&x;</r>', /entity reference/],
      ['<r><?pi x?></r>', /processing instruction/],
      ['<p:r/>', /not declared/],
      ['<r><a></b></r>', /mismatched/],
      ['<r a="1" a="2"/>', /twice/],
      ['<r/><r/>', /second root/],
      ['<r>&#0;</r>', /character reference/],
      ['<r>', /not closed/],
    ] as const) {
      const r = parseXmlDocument(doc);
      expect(r.ok, doc).toBe(false);
      if (!r.ok) expect(r.reason, doc).toMatch(why);
    }
  });

  it('signs a document that then verifies, and fails after any change to a signed byte', () => {
    const { privateKey, publicKey } = pair();
    const open = `<t:doc xmlns:t="${NS}" v="1"><t:a>x &amp; y</t:a><t:b>2026-12-06T00:00:00.000Z</t:b>`;
    const xml = signEnveloped(open, 't:doc', privateKey, signer);
    const ok = verifyEnveloped(xml, publicKey);
    expect(ok.ok).toBe(true);
    if (ok.ok) expect(ok.signer).toEqual(signer);
    // The written text is the canonical form the digest was computed over.
    const p = parseXmlDocument(xml);
    if (!p.ok) throw new Error(p.reason);
    expect(canonicalize(p.root, { exclusive: false, omit: (el) => el.local === 'Signature' })).toBe(`${open}</t:doc>`);
    expect(verifyEnveloped(xml, pair().publicKey)).toMatchObject({ ok: false, reason: /does not verify/ });
    expect(verifyEnveloped(xml.replace('x &amp; y', 'x &amp; z'), publicKey)).toMatchObject({ ok: false, reason: /digest/ });
    expect(verifyEnveloped(xml.replace('v="1"', 'v="2"'), publicKey)).toMatchObject({ ok: false, reason: /digest/ });
    // A change inside SignedInfo (here the digest text itself) breaks the signature.
    const d = /<ds:DigestValue>([^<]+)</.exec(xml)![1]!;
    const flipped = (d[0] === 'A' ? 'B' : 'A') + d.slice(1);
    expect(verifyEnveloped(xml.replace(d, flipped), publicKey).ok).toBe(false);
    // Another algorithm named in SignedInfo is refused before any crypto.
    expect(verifyEnveloped(xml.replace('xmldsig-more#ecdsa-sha256', 'xmldsig-more#ecdsa-sha384'), publicKey)).toMatchObject({ ok: false, reason: /SignatureMethod/ });
    expect(verifyEnveloped(xml.replace(/<ds:Signature [\s\S]*<\/ds:Signature>/, ''), publicKey)).toMatchObject({ ok: false, reason: /0 ds:Signature/ });
  });
});
