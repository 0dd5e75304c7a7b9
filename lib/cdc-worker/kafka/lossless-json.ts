/** JSON that keeps integers beyond 2^53 exactly: the screened sink rewrites events without changing their numbers. */

/** An integer too big for a double, kept as its JSON text. */
export class RawNumber {
  constructor(readonly text: string) {}
}

const MARK = '\u0000#';
// strings as a whole (so digits inside them are skipped), or a number
const TOKENS = /"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;

/** JSON.parse that keeps integers beyond 2^53 exactly (as {@link RawNumber}). */
export function parseLossless(text: string): unknown {
  let big = false;
  const marked = text.replace(TOKENS, (t) => {
    if (t.charCodeAt(0) === 34 /* " */ || t.length < 16 || t.includes('.') || t.includes('e') || t.includes('E')) return t;
    if (Number.isSafeInteger(Number(t))) return t;
    big = true;
    return `"\\u0000#${t}"`; // the MARK, escaped as JSON text must
  });
  if (!big) return JSON.parse(text);
  return JSON.parse(marked, (_k, v) => (typeof v === 'string' && v.startsWith(MARK) ? new RawNumber(v.slice(MARK.length)) : v));
}

/** JSON.stringify that writes {@link RawNumber}s as the numbers they are. */
export function stringifyLossless(value: unknown): string {
  let big = false;
  const text = JSON.stringify(value, (_k, v) => {
    if (v instanceof RawNumber) {
      big = true;
      return MARK + v.text;
    }
    return v;
  });
  return big ? text.replace(/"\\u0000#(-?\d+)"/g, '$1') : text;
}
