/**
 * Value conversions every engine's type mapping uses: decimals as Connect Decimal bytes, and date,
 * time, timestamp and interval text (as PostgreSQL writes it, and MySQL/MariaDB with
 * `dateStrings`) as Debezium's epoch-based values.
 */

// ---------- numbers ----------

/** Big-endian two's-complement bytes of `n`, as Java's BigInteger.toByteArray. */
export function twosComplementBytes(n: bigint): Buffer {
  if (n >= 0n) {
    let hex = n.toString(16);
    if (hex.length % 2) hex = '0' + hex;
    if (parseInt(hex.slice(0, 2), 16) & 0x80) hex = '00' + hex;
    return Buffer.from(hex, 'hex');
  }
  let len = 1;
  while (n < -(1n << BigInt(8 * len - 1))) len++;
  const hex = ((1n << BigInt(8 * len)) + n).toString(16).padStart(2 * len, '0');
  return Buffer.from(hex, 'hex');
}

/** Splits numeric text into unscaled integer and scale; `targetScale` rescales (padding or rounding half-up). */
export function parseDecimal(text: string, targetScale?: number): { unscaled: bigint; scale: number } {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
  if (!m) throw new Error(`not a decimal: ${text}`);
  let intPart = m[2] || '0';
  let frac = m[3] ?? '';
  const exp = m[4] ? parseInt(m[4], 10) : 0;
  if (exp > 0) {
    const moved = frac.padEnd(exp, '0');
    intPart += moved.slice(0, exp);
    frac = moved.slice(exp);
  } else if (exp < 0) {
    const padded = intPart.padStart(-exp + 1, '0');
    frac = padded.slice(padded.length + exp) + frac;
    intPart = padded.slice(0, padded.length + exp);
  }
  let scale = frac.length;
  let unscaled = BigInt(intPart + frac);
  if (targetScale !== undefined && targetScale !== scale) {
    if (targetScale > scale) {
      unscaled *= 10n ** BigInt(targetScale - scale);
    } else {
      const div = 10n ** BigInt(scale - targetScale);
      const q = unscaled / div;
      unscaled = (unscaled % div) * 2n >= div ? q + 1n : q;
    }
    scale = targetScale;
  }
  return { unscaled: m[1] === '-' ? -unscaled : unscaled, scale };
}

// ---------- dates and times ----------

/** Days since 1970-01-01 of a proleptic Gregorian date (any year). */
export function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function civilFromDays(z: number): [number, number, number] {
  z += 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp + (mp < 10 ? 3 : -9);
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

function fracMicros(frac: string | undefined): number {
  return frac ? parseInt((frac.slice(1) + '000000').slice(0, 6), 10) : 0;
}

function fracText(micros: number): string {
  if (!micros) return '';
  return '.' + pad(micros, 6).replace(/0+$/, '');
}

const DATE_RE = /^(\d{4,})-(\d\d)-(\d\d)( BC)?$/;
const TS_RE = /^(\d{4,})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(\.\d+)?([+-]\d\d(?::?\d\d)?(?::?\d\d)?)?( BC)?$/;
const TIME_RE = /^(\d\d):(\d\d):(\d\d)(\.\d+)?([+-]\d\d(?::?\d\d)?(?::?\d\d)?)?$/;

function year(y: string, bc: string | undefined): number {
  const n = parseInt(y, 10);
  return bc ? 1 - n : n;
}

function offsetSeconds(tz: string | undefined): number {
  if (!tz) return 0;
  const sign = tz[0] === '-' ? -1 : 1;
  const digits = tz.slice(1).replace(/:/g, '');
  const h = parseInt(digits.slice(0, 2), 10);
  const m = digits.length >= 4 ? parseInt(digits.slice(2, 4), 10) : 0;
  const s = digits.length >= 6 ? parseInt(digits.slice(4, 6), 10) : 0;
  return sign * (h * 3600 + m * 60 + s);
}

/** `date` text → days since epoch (io.debezium.time.Date). */
export function dateToEpochDays(text: string): number {
  const m = DATE_RE.exec(text);
  if (!m) throw new Error(`not a date: ${text}`);
  return daysFromCivil(year(m[1], m[4]), parseInt(m[2], 10), parseInt(m[3], 10));
}

/** `timestamp`/`timestamptz` text → microseconds since epoch, UTC. */
export function timestampToEpochMicros(text: string): number {
  const m = TS_RE.exec(text);
  if (!m) throw new Error(`not a timestamp: ${text}`);
  const days = daysFromCivil(year(m[1], m[9]), parseInt(m[2], 10), parseInt(m[3], 10));
  const secs = days * 86400 + parseInt(m[4], 10) * 3600 + parseInt(m[5], 10) * 60 + parseInt(m[6], 10) - offsetSeconds(m[8]);
  return secs * 1_000_000 + fracMicros(m[7]);
}

/** Epoch microseconds → ISO-8601 UTC text as Debezium's ZonedTimestamp (fraction without trailing zeros). */
export function formatZonedTimestamp(micros: number): string {
  const secs = Math.floor(micros / 1_000_000);
  const us = micros - secs * 1_000_000;
  const days = Math.floor(secs / 86400);
  const sod = secs - days * 86400;
  const [y, mo, d] = civilFromDays(days);
  const ys = y > 9999 ? '+' + y : y < 0 ? '-' + pad(-y, 4) : pad(y, 4);
  return `${ys}-${pad(mo)}-${pad(d)}T${pad(Math.floor(sod / 3600))}:${pad(Math.floor((sod % 3600) / 60))}:${pad(sod % 60)}${fracText(us)}Z`;
}

/** `time` text → microseconds past midnight. */
export function timeToMicros(text: string): number {
  const m = TIME_RE.exec(text);
  if (!m) throw new Error(`not a time: ${text}`);
  return ((parseInt(m[1], 10) * 60 + parseInt(m[2], 10)) * 60 + parseInt(m[3], 10)) * 1_000_000 + fracMicros(m[4]);
}

/** `timetz` text → UTC time text as Debezium's ZonedTime. */
export function formatZonedTime(text: string): string {
  const m = TIME_RE.exec(text);
  if (!m) throw new Error(`not a time with time zone: ${text}`);
  let secs = (parseInt(m[1], 10) * 60 + parseInt(m[2], 10)) * 60 + parseInt(m[3], 10) - offsetSeconds(m[5]);
  secs = ((secs % 86400) + 86400) % 86400;
  return `${pad(Math.floor(secs / 3600))}:${pad(Math.floor((secs % 3600) / 60))}:${pad(secs % 60)}${fracText(fracMicros(m[4]))}Z`;
}

const DAYS_PER_MONTH_AVG = 365.25 / 12;

/** `interval` text (IntervalStyle postgres) → approximate microseconds (io.debezium.time.MicroDuration). */
export function intervalToMicros(text: string): number {
  let years = 0,
    months = 0,
    days = 0,
    hours = 0,
    minutes = 0,
    seconds = 0,
    micros = 0;
  const unit = /(-?\d+) (year|years|mon|mons|day|days)\b/g;
  let m: RegExpExecArray | null;
  while ((m = unit.exec(text))) {
    const n = parseInt(m[1], 10);
    if (m[2].startsWith('year')) years += n;
    else if (m[2].startsWith('mon')) months += n;
    else days += n;
  }
  const t = /([+-])?(\d+):(\d\d):(\d\d)(\.\d+)?/.exec(text);
  if (t) {
    const sign = t[1] === '-' ? -1 : 1;
    hours = sign * parseInt(t[2], 10);
    minutes = sign * parseInt(t[3], 10);
    seconds = sign * parseInt(t[4], 10);
    micros = sign * fracMicros(t[5]);
  } else if (!/\d/.test(text)) {
    throw new Error(`not an interval: ${text}`);
  }
  const numberOfDays = (years * 12 + months) * DAYS_PER_MONTH_AVG + days;
  const numberOfSeconds = ((numberOfDays * 24 + hours) * 60 + minutes) * 60 + seconds;
  return Math.trunc(numberOfSeconds * 1_000_000) + micros;
}

/**
 * `timestamptz` text in any session time zone → the same instant as PostgreSQL writes it with
 * TimeZone=UTC (`2024-03-10 10:34:56.789+00`, `0044-03-15 10:00:00+00 BC`). Works in whole seconds
 * and keeps the fraction as written, so years far from 1970 lose no microseconds.
 */
export function timestamptzTextInUtc(text: string): string {
  if (text === 'infinity' || text === '-infinity') return text;
  const m = TS_RE.exec(text);
  if (!m) throw new Error(`not a timestamp with time zone: ${text}`);
  const days = daysFromCivil(year(m[1], m[9]), parseInt(m[2], 10), parseInt(m[3], 10));
  const secs = days * 86400 + parseInt(m[4], 10) * 3600 + parseInt(m[5], 10) * 60 + parseInt(m[6], 10) - offsetSeconds(m[8]);
  const utcDays = Math.floor(secs / 86400);
  const sod = secs - utcDays * 86400;
  const [y, mo, d] = civilFromDays(utcDays);
  const frac = m[7] ? m[7].replace(/0+$/, '') : '';
  const time = `${pad(Math.floor(sod / 3600))}:${pad(Math.floor((sod % 3600) / 60))}:${pad(sod % 60)}${frac === '.' ? '' : frac}`;
  return `${pad(y <= 0 ? 1 - y : y, 4)}-${pad(mo)}-${pad(d)} ${time}+00${y <= 0 ? ' BC' : ''}`;
}
