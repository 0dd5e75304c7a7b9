/**
 * Check-digit and structure validators used by the local detectors. All work on a range of a
 * string (`s`, `start`, `end`) so that scanning allocates nothing for candidates that fail.
 */

const ZERO = 48;

function isDigitCode(c: number): boolean {
  return c >= 48 && c <= 57;
}

/**
 * Luhn check over the digits of `s[start, end)`, skipping any non-digit (separators).
 * Returns false when there are no digits.
 */
export function luhnValid(s: string, start = 0, end = s.length): boolean {
  let sum = 0;
  let double = false;
  let n = 0;
  for (let i = end - 1; i >= start; i--) {
    const c = s.charCodeAt(i);
    if (!isDigitCode(c)) continue;
    let d = c - ZERO;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
    n++;
  }
  return n > 0 && sum % 10 === 0;
}

/** Value of up to 9 digits in `s[start, end)`, skipping non-digits. */
function digitsValue(s: string, start: number, end: number, count: number): number {
  let v = 0;
  let n = 0;
  for (let i = start; i < end && n < count; i++) {
    const c = s.charCodeAt(i);
    if (!isDigitCode(c)) continue;
    v = v * 10 + (c - ZERO);
    n++;
  }
  return v;
}

/**
 * Card brands by issuer identification number (IIN) prefix and length, as Cloud DLP's
 * CREDIT_CARD_NUMBER recognises them: Visa, Mastercard, American Express, Discover, Diners Club,
 * JCB, UnionPay and Maestro. Takes the digits' first 6 as a number and the digit count.
 */
export function cardBrand(first6: number, length: number): string | undefined {
  const p1 = Math.floor(first6 / 100000);
  const p2 = Math.floor(first6 / 10000);
  const p3 = Math.floor(first6 / 1000);
  const p4 = Math.floor(first6 / 100);
  if (p1 === 4 && (length === 13 || length === 16 || length === 19)) return 'visa';
  if (((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) && length === 16) return 'mastercard';
  if ((p2 === 34 || p2 === 37) && length === 15) return 'amex';
  if ((p4 === 6011 || p2 === 65 || (p3 >= 644 && p3 <= 649)) && length >= 16 && length <= 19) return 'discover';
  if (((p3 >= 300 && p3 <= 305) || p2 === 36 || p2 === 38 || p2 === 39) && length >= 14 && length <= 19) return 'diners';
  if (p4 >= 3528 && p4 <= 3589 && length >= 16 && length <= 19) return 'jcb';
  if (p2 === 62 && length >= 16 && length <= 19) return 'unionpay';
  if ((p2 === 50 || (p2 >= 56 && p2 <= 69)) && length >= 12 && length <= 19) return 'maestro';
  return undefined;
}

/**
 * A card number in `s[start, end)` (digits plus separators): 13–19 digits, a known brand's
 * prefix and length, and a valid Luhn check digit.
 */
export function creditCardValid(s: string, start: number, end: number, digitCount: number): boolean {
  if (digitCount < 12 || digitCount > 19) return false;
  if (cardBrand(digitsValue(s, start, end, 6), digitCount) === undefined) return false;
  return luhnValid(s, start, end);
}

/** Numbers printed on sample cards and in advertising, which the SSA lists as invalid. */
const SSN_BLOCKLIST = new Set([78051120, 219099999, 123456789]);

/**
 * A US social security number in `s[start, end)` (9 digits plus separators): area not 000,
 * 666 or 900–999, group not 00, serial not 0000, and not a well-known sample number.
 */
export function ssnValid(s: string, start: number, end: number): boolean {
  const v = digitsValue(s, start, end, 9);
  const area = Math.floor(v / 1000000);
  const group = Math.floor(v / 10000) % 100;
  const serial = v % 10000;
  if (area === 0 || area === 666 || area >= 900) return false;
  if (group === 0 || serial === 0) return false;
  return !SSN_BLOCKLIST.has(v);
}

/** IBAN length per country (ISO 13616 registry, SWIFT release 99). */
export const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24,
  AE: 23,
  AL: 28,
  AT: 20,
  AZ: 28,
  BA: 20,
  BE: 16,
  BG: 22,
  BH: 22,
  BI: 27,
  BR: 29,
  BY: 28,
  CH: 21,
  CR: 22,
  CY: 28,
  CZ: 24,
  DE: 22,
  DJ: 27,
  DK: 18,
  DO: 28,
  EE: 20,
  EG: 29,
  ES: 24,
  FI: 18,
  FK: 18,
  FO: 18,
  FR: 27,
  GB: 22,
  GE: 22,
  GI: 23,
  GL: 18,
  GR: 27,
  GT: 28,
  HN: 28,
  HR: 21,
  HU: 28,
  IE: 22,
  IL: 23,
  IQ: 23,
  IS: 26,
  IT: 27,
  JO: 30,
  KW: 30,
  KZ: 20,
  LB: 28,
  LC: 32,
  LI: 21,
  LT: 20,
  LU: 20,
  LV: 21,
  LY: 25,
  MC: 27,
  MD: 24,
  ME: 22,
  MK: 19,
  MN: 20,
  MR: 27,
  MT: 31,
  MU: 30,
  NI: 28,
  NL: 18,
  NO: 15,
  OM: 23,
  PK: 24,
  PL: 28,
  PS: 29,
  PT: 25,
  QA: 29,
  RO: 24,
  RS: 22,
  RU: 33,
  SA: 24,
  SC: 31,
  SD: 18,
  SE: 24,
  SI: 19,
  SK: 24,
  SM: 27,
  SO: 23,
  ST: 25,
  SV: 28,
  TL: 23,
  TN: 24,
  TR: 26,
  UA: 29,
  VA: 22,
  VG: 24,
  XK: 20,
  YE: 30,
};

function alnumValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 90) return c - 55;
  return -1;
}

/**
 * ISO 7064 mod-97-10 check of an IBAN whose characters (without spaces) are `s[start, end)`
 * skipping spaces: the first four characters move to the end, letters become 10–35, and the
 * number must leave remainder 1 when divided by 97.
 */
export function ibanChecksumValid(s: string, start: number, end: number): boolean {
  let rem = 0;
  const head: number[] = [];
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === 32) continue;
    const v = alnumValue(c);
    if (v < 0) return false;
    if (n < 4) head.push(v);
    else rem = v < 10 ? (rem * 10 + v) % 97 : (rem * 100 + v) % 97;
    n++;
  }
  if (n < 5) return false;
  for (const v of head) rem = v < 10 ? (rem * 10 + v) % 97 : (rem * 100 + v) % 97;
  return rem === 1;
}

/** Dotted-quad IPv4 in `s[start, end)`: four decimal parts 0–255 without leading zeros. */
export function ipv4Valid(s: string, start: number, end: number): boolean {
  let parts = 0;
  let value = 0;
  let len = 0;
  let leadingZero = false;
  for (let i = start; i <= end; i++) {
    const c = i < end ? s.charCodeAt(i) : 46;
    if (c === 46) {
      if (len === 0 || value > 255 || (leadingZero && len > 1)) return false;
      parts++;
      value = 0;
      len = 0;
      continue;
    }
    if (!isDigitCode(c)) return false;
    if (len === 0) leadingZero = c === ZERO;
    value = value * 10 + (c - ZERO);
    len++;
    if (len > 3) return false;
  }
  return parts === 4;
}

function isHexCode(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

/**
 * IPv6 in `s[start, end)`: eight groups of 1–4 hex digits, or fewer with one `::`, optionally
 * ending in a dotted IPv4 (which counts as two groups). To keep prose such as `a::b` out, the
 * address must contain a decimal digit.
 */
export function ipv6Valid(s: string, start: number, end: number): boolean {
  let groups = 0;
  let compressed = false;
  let hasDigit = false;
  let i = start;
  if (end - start < 2) return false;
  if (s.charCodeAt(i) === 58) {
    if (s.charCodeAt(i + 1) !== 58) return false;
    compressed = true;
    i += 2;
    if (i === end) return false;
  }
  while (i < end) {
    let j = i;
    while (j < end && isHexCode(s.charCodeAt(j))) {
      if (isDigitCode(s.charCodeAt(j))) hasDigit = true;
      j++;
    }
    const len = j - i;
    if (j < end && s.charCodeAt(j) === 46) {
      // embedded IPv4 as the last part
      if (!ipv4Valid(s, i, end)) return false;
      groups += 2;
      hasDigit = true;
      i = end;
      break;
    }
    if (len === 0 || len > 4) return false;
    groups++;
    if (j === end) {
      i = j;
      break;
    }
    if (s.charCodeAt(j) !== 58) return false;
    if (j + 1 < end && s.charCodeAt(j + 1) === 58) {
      if (compressed) return false;
      compressed = true;
      i = j + 2;
      if (i === end) break;
    } else {
      i = j + 1;
      if (i === end) return false;
    }
  }
  if (!hasDigit) return false;
  return compressed ? groups <= 7 : groups === 8;
}
