/**
 * What the local detectors' scan reads: character classes (a table per UTF-16 code unit, built
 * once), the digit groups of the current cluster (preallocated), and the layout checks on them.
 */

/** The info types by number (see TYPE_NAMES in local.ts). */
export const PHONE = 0;
export const EMAIL = 1;
export const CARD = 2;
export const SSN = 3;
export const IP = 4;
export const IBAN = 5;

// Likelihood ranks, as in LIKELIHOODS.
export const UNLIKELY = 1;
export const POSSIBLE = 2;
export const LIKELY = 3;
export const VERY_LIKELY = 4;

/** Reports a match: its info type, its UTF-16 offsets, and its likelihood rank without and with context words. */
export type Emit = (type: number, start: number, end: number, base: number, withContext: number) => void;

export const MAX_GROUPS = 64;
export const gStart = new Int32Array(MAX_GROUPS);
export const gEnd = new Int32Array(MAX_GROUPS);
/** Digits before group k (prefix sums; gDigits[k + 1] - gDigits[k] is the size of group k). */
export const gDigits = new Int32Array(MAX_GROUPS + 1);

/** Character classes for the scan: 0 other, 1 digit, 2 capital, 3 other word character, 4 `@`, 5 `:`. */
export const CLASS = new Uint8Array(65536);
for (let c = 0; c < 65536; c++) {
  if (c >= 48 && c <= 57) CLASS[c] = 1;
  else if (c >= 65 && c <= 90) CLASS[c] = 2;
  else if ((c >= 97 && c <= 122) || c === 95 || c > 127) CLASS[c] = 3;
  else if (c === 64) CLASS[c] = 4;
  else if (c === 58) CLASS[c] = 5;
}

export function isWordCode(c: number): boolean {
  const k = CLASS[c];
  return k !== 0 && k <= 3;
}
export function isHexColonDot(c: number): boolean {
  return (c >= 48 && c <= 58) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102) || c === 46;
}
export function isLocalPartCode(c: number): boolean {
  // letters, digits and . _ % + - (what DLP accepts before the @)
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 46 || c === 95 || c === 37 || c === 43 || c === 45;
}
export function isDomainCode(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 46 || c === 45;
}
export function isLetterCode(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** Parentheses only around the area code: `(415) 555-0890` or `+1 (415) 555-0890`. */
export function phoneParensOk(s: string, cs: number, a: number, b: number, plus: boolean): boolean {
  let expectCloseAfter = -1;
  if (a === 0 && s.charCodeAt(cs) === 40) expectCloseAfter = a;
  else if (a > 0 && s.charCodeAt(gStart[a] - 1) === 40) return false;
  for (let k = a; k < b; k++) {
    const len = gStart[k + 1] - gEnd[k];
    const first = s.charCodeAt(gEnd[k]);
    const last = s.charCodeAt(gStart[k + 1] - 1);
    if (first === 41) {
      if (expectCloseAfter !== k) return false;
      expectCloseAfter = -2;
      if (last === 40) return false;
      continue;
    }
    if (expectCloseAfter === k) return false;
    if (last === 40) {
      // an opening parenthesis is allowed once, after the country code
      if (!(plus && k === a && expectCloseAfter === -1) || len > 2) return false;
      expectCloseAfter = k + 1;
    }
  }
  return expectCloseAfter < 0;
}

/** NANP: area code and exchange start with 2–9; groups first..b hold exactly `nd` = 10 digits. */
export function nanpValid(s: string, first: number, b: number, nd: number): boolean {
  if (nd !== 10 || first > b) return false;
  // find the characters of the 1st and 4th digit of the window
  let seen = 0;
  let area = -1;
  let exchange = -1;
  for (let k = first; k <= b && exchange < 0; k++) {
    for (let i = gStart[k]; i < gEnd[k]; i++) {
      if (seen === 0) area = s.charCodeAt(i) - 48;
      if (seen === 3) {
        exchange = s.charCodeAt(i) - 48;
        break;
      }
      seen++;
    }
  }
  return area >= 2 && exchange >= 2;
}

/** Labels of letters, digits and inner hyphens, at least two, the last all letters (2+). */
export function domainValid(s: string, start: number, end: number): boolean {
  if (end - start < 4 || end - start > 253) return false;
  let labelStart = start;
  let labels = 0;
  for (let i = start; i <= end; i++) {
    const c = i < end ? s.charCodeAt(i) : 46;
    if (c !== 46) continue;
    const len = i - labelStart;
    if (len === 0 || len > 63) return false;
    if (s.charCodeAt(labelStart) === 45 || s.charCodeAt(i - 1) === 45) return false;
    labels++;
    if (i === end) {
      if (len < 2) return false;
      for (let j = labelStart; j < end; j++) if (!isLetterCode(s.charCodeAt(j))) return false;
    }
    labelStart = i + 1;
  }
  return labels >= 2;
}
