/**
 * Kafka Connect schemas and the JSON the worker writes: JsonConverter's key order, and integers
 * beyond double precision kept exact. Shared by every engine's envelope.
 */

/** A Kafka Connect schema as JsonConverter writes it (key order matches JsonConverter's). */
export interface ConnectSchema {
  type: 'int8' | 'int16' | 'int32' | 'int64' | 'float' | 'double' | 'boolean' | 'string' | 'bytes' | 'array' | 'struct';
  fields?: ConnectSchema[];
  items?: ConnectSchema;
  optional: boolean;
  name?: string;
  version?: number;
  doc?: string;
  parameters?: Record<string, string>;
  default?: unknown;
  field?: string;
}

const BIG_MARK = '\u0001N:';

/** A JSON number outside double precision, kept exact through {@link toJson}. */
export function bigNumber(digits: string): unknown {
  const n = Number(digits);
  return Number.isSafeInteger(n) ? n : BIG_MARK + digits;
}

/** JSON.stringify that writes {@link bigNumber}s as bare numbers. */
export function toJson(value: unknown): string {
  const s = JSON.stringify(value);
  return s.includes('\\u0001N:') ? s.replace(/"\\u0001N:(-?\d+)"/g, '$1') : s;
}
