/**
 * The local detectors that start from one character of a word: an e-mail address from its `@`, an
 * IPv6 address from a `:`, an IBAN from two capitals and two digits. Each reports its match through
 * `emit` and returns where the scan continues.
 */
import { EMAIL, Emit, IBAN, IP, isDomainCode, isHexColonDot, isLocalPartCode, isWordCode, domainValid, LIKELY, VERY_LIKELY } from './local-scan';
import { IBAN_LENGTHS, ibanChecksumValid, ipv6Valid } from './validators';

/** The e-mail address around the `@` at `at`, if any; returns where scanning continues. */
export function emailAt(s: string, at: number, emit: Emit): number {
  const n = s.length;
  let ls = at;
  while (ls > 0 && isLocalPartCode(s.charCodeAt(ls - 1))) ls--;
  while (ls < at && s.charCodeAt(ls) === 46) ls++;
  let de = at + 1;
  while (de < n && isDomainCode(s.charCodeAt(de))) de++;
  while (de > at + 1 && (s.charCodeAt(de - 1) === 46 || s.charCodeAt(de - 1) === 45)) de--;
  if (ls < at && at - ls <= 64 && s.charCodeAt(at - 1) !== 46 && domainValid(s, at + 1, de)) {
    emit(EMAIL, ls, de, LIKELY, VERY_LIKELY);
    return de;
  }
  return at + 1;
}

/**
 * The IPv6 address through the `:` at `p`: returns its end when one was found, otherwise
 * minus the end of the token of hex digits, colons and dots (colons before it need no look).
 */
export function ipv6At(s: string, p: number, emit: Emit): number {
  const n = s.length;
  let l = p;
  while (l > 0 && isHexColonDot(s.charCodeAt(l - 1))) l--;
  let r = p + 1;
  while (r < n && isHexColonDot(s.charCodeAt(r))) r++;
  const tokenEnd = r;
  while (l < p && s.charCodeAt(l) === 46) l++;
  while (r > p && s.charCodeAt(r - 1) === 46) r--;
  if ((l === 0 || !isWordCode(s.charCodeAt(l - 1))) && (r === n || !isWordCode(s.charCodeAt(r))) && r - l >= 3) {
    let colons = 0;
    for (let i = l; i < r; i++) if (s.charCodeAt(i) === 58) colons++;
    if (colons >= 2 && ipv6Valid(s, l, r)) {
      emit(IP, l, r, LIKELY, VERY_LIKELY);
      return r;
    }
  }
  return -tokenEnd;
}

/** The IBAN starting at the capital at `start`, if any: returns its end, or -1. */
export function ibanAt(s: string, start: number, emit: Emit): number {
  const n = s.length;
  const c1 = s.charCodeAt(start + 1);
  const c2 = s.charCodeAt(start + 2);
  const c3 = s.charCodeAt(start + 3);
  if (!(c1 >= 65 && c1 <= 90 && c2 >= 48 && c2 <= 57 && c3 >= 48 && c3 <= 57)) return -1;
  const length = IBAN_LENGTHS[s.slice(start, start + 2)];
  if (length === undefined) return -1;
  const grouped = s.charCodeAt(start + 4) === 32;
  let count = 0;
  let i = start;
  while (i < n && count < length) {
    const c = s.charCodeAt(i);
    if (c === 32) {
      if (!grouped || count % 4 !== 0 || s.charCodeAt(i - 1) === 32) break;
      i++;
      continue;
    }
    if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 90))) break;
    count++;
    i++;
  }
  if (count !== length || (i < n && isWordCode(s.charCodeAt(i)))) return -1;
  if (!ibanChecksumValid(s, start, i)) return -1;
  emit(IBAN, start, i, LIKELY, VERY_LIKELY);
  return i;
}
