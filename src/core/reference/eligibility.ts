import { join } from 'node:path';
import { S1migError } from '../errors/s1mig-error.js';
import { readRequiredRefFile } from './files.js';

export interface ProductRef {
  manufacturer: string;
  model: string;
}
export interface EligibilityCombination {
  CHF?: ProductRef;
  ESME?: ProductRef;
  GSME?: ProductRef;
}

export const ELIGIBILITY_JSON = 'eligible-product-combinations.json';
const TYPES = ['CHF', 'ESME', 'GSME'] as const;

/** Trims XML whitespace only, like the MCF side, so that both sides compare alike. */
function trimXml(s: string): string {
  return s.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parses eligible-product-combinations.json (mcf-format.md); throws REF_INVALID. */
export function parseEligibility(text: string, path: string): EligibilityCombination[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new S1migError('REF_INVALID', `${path}: not valid JSON`, { cause: err });
  }
  if (!isObject(doc) || !Array.isArray(doc.combinations)) {
    throw new S1migError('REF_INVALID', `${path}: no "combinations" array`);
  }
  return doc.combinations.map((entry: unknown, i: number) => {
    if (!isObject(entry)) throw new S1migError('REF_INVALID', `${path}: combinations[${i}] is not an object`);
    const out: EligibilityCombination = {};
    for (const type of TYPES) {
      if (!Object.hasOwn(entry, type)) continue;
      const p = entry[type];
      if (!isObject(p) || typeof p.manufacturer !== 'string' || typeof p.model !== 'string') {
        throw new S1migError('REF_INVALID', `${path}: combinations[${i}].${type} needs string manufacturer and model`);
      }
      out[type] = { manufacturer: trimXml(p.manufacturer), model: trimXml(p.model) };
    }
    return out;
  });
}

export function loadEligibility(refDir: string): EligibilityCombination[] {
  const path = join(refDir, ELIGIBILITY_JSON);
  return parseEligibility(readRequiredRefFile(path), path);
}
