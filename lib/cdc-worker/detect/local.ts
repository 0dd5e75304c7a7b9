/**
 * Local detectors: the six info types with Cloud DLP's names, validated the way DLP validates
 * them (Luhn for cards, SSA rules for SSNs, mod-97 for IBANs), without any network.
 *
 * How it stays fast: one pass of a V8 regular expression finds clusters of digits (with the
 * separators numbers are written with); each cluster is split into digit groups in preallocated
 * typed arrays and classified by code, so text without numbers, `@` or `:` costs one native
 * scan per pattern and no allocation. E-mail addresses are found from each `@`, IPv6 from each
 * `:`, IBANs from two capitals followed by two digits. Context words (DLP's hotwords) are read
 * only around a candidate that passed validation, and the column name counts as context too.
 */
import { Finding, InspectOptions, LOCAL_INFO_TYPES, LIKELIHOODS, likelihoodRank, Row, SensitiveDataDetector } from './types';
import { cellText, OffsetCursor } from './text';
import { creditCardValid, ipv4Valid, ssnValid } from './validators';
import {
  CARD,
  CLASS,
  Emit,
  EMAIL,
  gDigits,
  gEnd,
  gStart,
  IBAN,
  IP,
  isWordCode,
  LIKELY,
  MAX_GROUPS,
  nanpValid,
  phoneParensOk,
  PHONE,
  POSSIBLE,
  SSN,
  UNLIKELY,
  VERY_LIKELY,
} from './local-scan';
import { emailAt, ibanAt, ipv6At } from './local-tokens';

const TYPE_NAMES = ['PHONE_NUMBER', 'EMAIL_ADDRESS', 'CREDIT_CARD_NUMBER', 'US_SOCIAL_SECURITY_NUMBER', 'IP_ADDRESS', 'IBAN_CODE'];

/** Hotwords per type: looked for in the 40 characters before a match and in the column name. */
const HOTWORDS: readonly RegExp[] = [
  /phone|tel\b|tel[:.#]|mobile|cell|fax|call|contact|whatsapp|sms/i,
  /e-?mail|contact|\bmail/i,
  /card|credit|debit|visa|mastercard|amex|\bcc\b|\bpan\b|payment/i,
  /ssn|social|security|ss#|taxpayer|\btin\b/i,
  /\bip\b|ip[_ -]?addr|ipv[46]|host|server|client|remote|peer/i,
  /iban|bank|account|acct|transfer|sepa|payee/i,
];
const CONTEXT_WINDOW = 40;

/** Characters that can start a candidate: digits, capitals (IBAN), `@`, `:`. */
const NEXT_RE = /[0-9A-Z@:]/g;

/** A match before it becomes a Finding: UTF-16 offsets. */
interface RawMatch {
  type: number;
  start: number;
  end: number;
  rank: number;
}

/** Options of the local detectors. */
export type LocalDetectorOptions = InspectOptions;

/**
 * The local backend. Synchronous underneath (`scan`, `inspectRowsSync`); the async methods of
 * `SensitiveDataDetector` wrap those.
 */
export class LocalDetector implements SensitiveDataDetector {
  public readonly backend = 'local' as const;
  private readonly enabled: boolean[];
  private readonly minRank: number;
  private readonly includeQuote: boolean;
  private readonly matches: RawMatch[] = [];
  private column = '';
  /** {@link emit} for the token detectors (local-tokens.ts). */
  private readonly emitMatch: Emit = (type, start, end, base, withContext) => this.emit(type, start, end, base, withContext);
  private text = '';

  constructor(options: LocalDetectorOptions = {}) {
    const wanted = options.infoTypes ?? LOCAL_INFO_TYPES;
    const unknown = wanted.filter((t) => !TYPE_NAMES.includes(t));
    if (unknown.length > 0) {
      throw new Error(
        `Local detectors do not implement info type(s) ${unknown.join(', ')}; they implement ${TYPE_NAMES.join(', ')}. Use the cloud-dlp backend for other info types.`,
      );
    }
    this.enabled = TYPE_NAMES.map((t) => wanted.includes(t));
    const min = options.minLikelihood ?? 'POSSIBLE';
    this.minRank = likelihoodRank(min);
    if (this.minRank < 0) throw new Error(`minLikelihood must be one of ${LIKELIHOODS.join(', ')}, got "${min}"`);
    this.includeQuote = options.includeQuote ?? true;
  }

  async inspectRows(table: string, rows: readonly Row[]): Promise<Finding[]> {
    return this.inspectRowsSync(table, rows);
  }

  async inspectText(text: string): Promise<Finding[]> {
    return this.scan(text);
  }

  async close(): Promise<void> {}

  /** Findings in every cell of `rows` (see `cellText` for what a cell's text is). */
  inspectRowsSync(table: string, rows: readonly Row[]): Finding[] {
    const out: Finding[] = [];
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r];
      for (const column in row) {
        const value = row[column];
        // Numbers below 10^8 (at most 8 digits in one group) and dates cannot hold a finding.
        if (typeof value === 'number' ? value < 1e8 && value > -1e8 : value instanceof Date) continue;
        const text = cellText(value);
        if (text === undefined || text.length < 3) continue;
        this.scanInto(text, column, r, table, out);
      }
    }
    return out;
  }

  /** Findings in one piece of text (no content location). */
  scan(text: string): Finding[] {
    const out: Finding[] = [];
    this.scanInto(text, undefined, 0, undefined, out);
    return out;
  }

  /**
   * Findings in one cell: `column` is used as context and, with `rowIndex` and `containerName`,
   * as the content location. Appends to `out`.
   */
  scanInto(text: string, column: string | undefined, rowIndex: number, containerName: string | undefined, out: Finding[]): void {
    const matches = this.matches;
    this.text = text;
    this.column = column ?? '';
    this.scanAll(text);
    if (matches.length === 0) return;
    if (matches.length > 1) {
      matches.sort((x, y) => x.start - y.start || y.end - y.start - (x.end - x.start));
      dropContained(matches);
    }
    const starts = new OffsetCursor(text);
    const ends = new OffsetCursor(text);
    const contentLocations = column === undefined ? [] : [{ containerName, recordLocation: { fieldId: { name: column }, tableLocation: { rowIndex } } }];
    for (const m of matches) {
      const s = starts.at(m.start);
      const e = ends.at(m.end);
      const infoType = { name: TYPE_NAMES[m.type] };
      const likelihood = LIKELIHOODS[m.rank];
      const location = {
        byteRange: { start: s.byte, end: e.byte },
        codepointRange: { start: s.codepoint, end: e.codepoint },
        contentLocations,
      };
      const finding: Finding = this.includeQuote ? { quote: text.slice(m.start, m.end), infoType, likelihood, location } : { infoType, likelihood, location };
      out.push(finding);
    }
    matches.length = 0;
  }

  private emit(type: number, start: number, end: number, base: number, withContext: number): void {
    if (!this.enabled[type]) return;
    let rank = base;
    if (withContext > base && this.hasContext(type, start)) rank = withContext;
    if (rank < this.minRank) return;
    this.matches.push({ type, start, end, rank });
  }

  private hasContext(type: number, start: number): boolean {
    const re = HOTWORDS[type];
    if (this.column !== '' && re.test(this.column)) return true;
    const from = start > CONTEXT_WINDOW ? start - CONTEXT_WINDOW : 0;
    return from < start && re.test(this.text.slice(from, start));
  }

  /**
   * One pass over the text. Digits start a number cluster (unless glued to a word), `@` an
   * e-mail address, `:` an IPv6 address, two capitals and two digits at a word start an IBAN;
   * the rest of a word is skipped.
   */
  private scanAll(s: string): void {
    const n = s.length;
    const numbers = this.enabled[PHONE] || this.enabled[CARD] || this.enabled[SSN] || this.enabled[IP];
    const emails = this.enabled[EMAIL];
    const ipv6 = this.enabled[IP];
    const ibans = this.enabled[IBAN];
    let colonTokenEnd = -1;
    let i = 0;
    // In long text, let the regex engine jump to the next character that can start something.
    const jump = n >= 256 ? NEXT_RE : undefined;
    while (i < n) {
      if (jump !== undefined) {
        jump.lastIndex = i;
        if (!jump.test(s)) break;
        const j = jump.lastIndex - 1;
        if (j > i) {
          // what precedes decides whether a digit or capital starts a word
          i = j;
          if (isWordCode(s.charCodeAt(i - 1))) {
            while (i < n && isWordCode(s.charCodeAt(i))) i++;
            continue;
          }
        }
      }
      const k = CLASS[s.charCodeAt(i)];
      if (k === 0) {
        i++;
        continue;
      }
      if (k === 1) {
        if (numbers) i = this.numberCluster(s, i);
        // a cluster glued to a word (123abc) is no number: skip the word
        while (i < n && isWordCode(s.charCodeAt(i))) i++;
        continue;
      }
      if (k === 2 && ibans && i + 3 < n && CLASS[s.charCodeAt(i + 1)] === 2 && CLASS[s.charCodeAt(i + 2)] === 1) {
        const end = ibanAt(s, i, this.emitMatch);
        if (end > 0) {
          i = end;
          continue;
        }
      }
      if (k <= 3) {
        i++;
        while (i < n && isWordCode(s.charCodeAt(i))) i++;
        continue;
      }
      if (k === 4 && emails) {
        i = emailAt(s, i, this.emitMatch);
        continue;
      }
      if (k === 5 && ipv6 && i >= colonTokenEnd) {
        const end = ipv6At(s, i, this.emitMatch);
        if (end > 0) {
          i = end;
          continue;
        }
        colonTokenEnd = -end;
      }
      i++;
    }
  }

  /** Parses the digit groups of the cluster starting at digit `i`, classifies it, returns its end. */
  private numberCluster(s: string, i: number): number {
    const n = s.length;
    let cs = i;
    if (i > 0) {
      const p = s.charCodeAt(i - 1);
      if ((p === 43 || p === 40) && (i < 2 || !isWordCode(s.charCodeAt(i - 2)))) cs = i - 1;
    }
    let g = 0;
    let digits = 0;
    let j = i;
    gDigits[0] = 0;
    for (;;) {
      gStart[g] = j;
      let c = s.charCodeAt(j);
      while (c >= 48 && c <= 57) {
        digits++;
        c = s.charCodeAt(++j);
      }
      gEnd[g] = j;
      g++;
      gDigits[g] = digits;
      if (g === MAX_GROUPS) break;
      let k = j;
      if (c === 41) {
        c = s.charCodeAt(++k);
        if (c === 32 || c === 46 || c === 45) c = s.charCodeAt(++k);
      } else if (c === 32 || c === 46 || c === 45 || c === 47) c = s.charCodeAt(++k);
      else break;
      if (c === 40) c = s.charCodeAt(++k);
      if (!(c >= 48 && c <= 57)) break;
      j = k;
    }
    const ce = gEnd[g - 1];
    if (ce < n && isWordCode(s.charCodeAt(ce))) return ce;
    if (digits < 4 || (g === 1 && digits < 9 && cs === i)) return ce;
    this.classifyCluster(s, cs, ce, g, cs < i && s.charCodeAt(cs) === 43);
    return ce;
  }

  /** Tries windows of the cluster's digit groups, longest first, from the left. */
  private classifyCluster(s: string, cs: number, ce: number, g: number, plus: boolean): void {
    let a = 0;
    while (a < g) {
      let matched = -1;
      const bMax = a + 5 < g ? a + 5 : g - 1;
      for (let b = bMax; b >= a; b--) {
        const nd = gDigits[b + 1] - gDigits[a];
        if (nd < 4 || nd > 19) continue;
        if (this.classifyWindow(s, cs, ce, g, a, b, nd, plus && a === 0)) {
          matched = b;
          break;
        }
      }
      a = matched >= 0 ? matched + 1 : a + 1;
    }
  }

  /** Single-character separator after group k, or 0 when the gap has a parenthesis. */
  private gap(s: string, k: number): number {
    return gStart[k + 1] - gEnd[k] === 1 ? s.charCodeAt(gEnd[k]) : 0;
  }

  private classifyWindow(s: string, cs: number, ce: number, g: number, a: number, b: number, nd: number, plus: boolean): boolean {
    const groups = b - a + 1;
    // Without a leading +, 4–8 and 12 digits can only be an IPv4 address (four groups).
    if (!plus && groups !== 4 && (nd <= 8 || nd === 12)) return false;
    if (plus && nd < 8) return false;
    // separators inside the window: all the same single character? any parentheses?
    let sep = groups > 1 ? this.gap(s, a) : -1;
    let parens = false;
    for (let k = a; k < b; k++) {
      const c = this.gap(s, k);
      if (c === 0 || c === 40 || c === 41) parens = true;
      if (c !== sep) sep = 0;
    }
    const opensBefore = a === 0 ? s.charCodeAt(cs) === 40 : s.charCodeAt(gStart[a] - 1) === 40;
    if (opensBefore) parens = true;
    const size0 = gDigits[a + 1] - gDigits[a];

    // IP_ADDRESS (v4): four dot-separated parts, not part of a longer dotted number
    if (groups === 4 && sep === 46 && !plus && !opensBefore) {
      const dotBefore = a > 0 ? this.gap(s, a - 1) === 46 : cs > 0 && s.charCodeAt(cs - 1) === 46;
      const dotAfter = b < g - 1 && this.gap(s, b) === 46;
      if (!dotBefore && !dotAfter && ipv4Valid(s, gStart[a], gEnd[b])) {
        this.emit(IP, gStart[a], gEnd[b], LIKELY, VERY_LIKELY);
        return true;
      }
    }
    if (!plus && !parens) {
      // US_SOCIAL_SECURITY_NUMBER: 123-45-6789, 123 45 6789, 123456789
      if (nd === 9) {
        const dashed = groups === 3 && sep === 45;
        const spaced = groups === 3 && sep === 32;
        const layout = groups === 1 || ((dashed || spaced) && size0 === 3 && gDigits[a + 2] - gDigits[a + 1] === 2);
        if (layout && ssnValid(s, gStart[a], gEnd[b])) {
          if (dashed) this.emit(SSN, gStart[a], gEnd[b], LIKELY, VERY_LIKELY);
          else if (spaced) this.emit(SSN, gStart[a], gEnd[b], POSSIBLE, LIKELY);
          else this.emit(SSN, gStart[a], gEnd[b], UNLIKELY, LIKELY);
          return true;
        }
      }
      // CREDIT_CARD_NUMBER: 13–19 digits, plain or in groups of four (Amex 4-6-5, Diners 4-6-4)
      if (nd >= 13 && (groups === 1 || sep === 32 || sep === 45)) {
        let layout = groups === 1;
        if (!layout && size0 === 4) {
          if (groups === 3 && gDigits[a + 2] - gDigits[a + 1] === 6) layout = nd === 15 || nd === 14;
          else if (groups >= 4) {
            layout = true;
            for (let k = a + 1; k < b; k++) if (gDigits[k + 1] - gDigits[k] !== 4) layout = false;
          }
        }
        if (layout && creditCardValid(s, gStart[a], gEnd[b], nd)) {
          this.emit(CARD, gStart[a], gEnd[b], LIKELY, VERY_LIKELY);
          return true;
        }
      }
    }
    // PHONE_NUMBER
    if (nd >= 7 && nd <= 15) return this.phoneWindow(s, cs, a, b, nd, plus, groups, sep, opensBefore, size0);
    return false;
  }

  /** PHONE_NUMBER in a window of 7–15 digits (international with +, NANP, national with a trunk prefix). */
  private phoneWindow(
    s: string,
    cs: number,
    a: number,
    b: number,
    nd: number,
    plus: boolean,
    groups: number,
    sep: number,
    opensBefore: boolean,
    size0: number,
  ): boolean {
    const start = plus ? cs : opensBefore ? (a === 0 ? cs : gStart[a] - 1) : gStart[a];
    if (plus) {
      // international: +<country code> then the national number, 8–15 digits in all (E.164)
      if (nd >= 8 && (groups === 1 || size0 <= 3) && phoneParensOk(s, cs, a, b, true)) {
        if (size0 === 1 && s.charCodeAt(gStart[a]) === 49 && groups > 1 && !nanpValid(s, a + 1, b, nd - 1)) return false;
        this.emit(PHONE, start, gEnd[b], LIKELY, VERY_LIKELY);
        return true;
      }
      return false;
    }
    // North American Numbering Plan: (415) 555-0890, 415-555-0890, 415.555.0890, 1 415 555 0890
    if ((nd === 10 || nd === 11) && sep !== 47 && phoneParensOk(s, cs, a, b, false)) {
      let first = a;
      if (nd === 11) {
        if (!(size0 === 1 && s.charCodeAt(gStart[a]) === 49 && groups === 4)) first = -1;
        else first = a + 1;
      }
      if (first >= 0) {
        const rest = b - first + 1;
        const formatted = rest === 3 && gDigits[first + 1] - gDigits[first] === 3 && gDigits[first + 2] - gDigits[first + 1] === 3;
        if ((formatted || (rest === 1 && nd === 10)) && nanpValid(s, first, b, 10)) {
          if (formatted) this.emit(PHONE, start, gEnd[b], LIKELY, VERY_LIKELY);
          else this.emit(PHONE, start, gEnd[b], UNLIKELY, LIKELY);
          return true;
        }
      }
    }
    // national numbers with a trunk prefix: 020 7946 0958, 030/1234 5678
    if ((nd === 10 || nd === 11) && groups >= 2 && groups <= 4 && !opensBefore) {
      const c0 = s.charCodeAt(gStart[a]);
      const c1 = s.charCodeAt(gStart[a] + 1);
      if (c0 === 48 && c1 !== 48 && size0 >= 2 && size0 <= 5) {
        this.emit(PHONE, start, gEnd[b], POSSIBLE, LIKELY);
        return true;
      }
    }
    return false;
  }
}

/** Removes a match lying inside a longer match of the same type (the IPv4 part of `::ffff:192.0.2.1`). Matches are sorted by start. */
function dropContained(matches: RawMatch[]): void {
  const coverEnd = [-1, -1, -1, -1, -1, -1];
  let w = 0;
  for (let r = 0; r < matches.length; r++) {
    const m = matches[r];
    if (m.end <= coverEnd[m.type]) continue;
    coverEnd[m.type] = m.end;
    matches[w++] = m;
  }
  matches.length = w;
}
