/**
 * Cell text and offset conversions. JavaScript indexes strings in UTF-16 code units; Cloud DLP
 * reports UTF-8 byte offsets and Unicode code point offsets.
 */

/**
 * The text a detector inspects for one cell, the same for both backends and for the policy:
 * strings as they are, numbers and bigints in decimal, dates as ISO 8601, objects and arrays
 * (JSON columns) as JSON. Booleans, null, undefined and binary values have no text (`undefined`).
 */
export function cellText(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
      return Number.isFinite(value) ? String(value) : undefined;
    case 'bigint':
      return value.toString();
    case 'object':
      if (value === null) return undefined;
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.toISOString();
      if (value instanceof Uint8Array || value instanceof ArrayBuffer) return undefined;
      return JSON.stringify(value);
    default:
      return undefined;
  }
}

/** UTF-8 length of `s[start, end)` in bytes. */
export function utf8Length(s: string, start = 0, end = s.length): number {
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < end) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

/**
 * Converts UTF-16 offsets into byte and code point offsets, walking forward only: call
 * `at(offset)` with non-decreasing offsets (findings sorted by start, then each end) and it
 * scans each part of the string once. For ASCII up to the offset the three agree.
 */
export class OffsetCursor {
  private unit = 0;
  private byte = 0;
  private codepoint = 0;

  constructor(private readonly s: string) {}

  /** Byte and code point offsets of UTF-16 offset `unit`. */
  at(unit: number): { byte: number; codepoint: number } {
    if (unit < this.unit) {
      this.unit = 0;
      this.byte = 0;
      this.codepoint = 0;
    }
    const s = this.s;
    let i = this.unit;
    let byte = this.byte;
    let cp = this.codepoint;
    while (i < unit) {
      const c = s.charCodeAt(i);
      if (c < 0x80) byte += 1;
      else if (c < 0x800) byte += 2;
      else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
        const d = s.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) {
          byte += 4;
          i++;
        } else byte += 3;
      } else byte += 3;
      cp++;
      i++;
    }
    this.unit = i;
    this.byte = byte;
    this.codepoint = cp;
    return { byte, codepoint: cp };
  }
}

/** UTF-16 offset of code point offset `codepoint` in `s` (clamped to the string's end). */
export function codepointToUnit(s: string, codepoint: number): number {
  let i = 0;
  let cp = 0;
  while (cp < codepoint && i < s.length) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    i++;
    cp++;
  }
  return i;
}
