/**
 * Debezium change events for MySQL and MariaDB: column types → Kafka Connect schemas and values
 * (Debezium's MySQL connector defaults: `decimal.handling.mode=precise`,
 * `time.precision.mode=adaptive_time_microseconds`, `bigint.unsigned.handling.mode=long`,
 * `binary.handling.mode=bytes`), the `io.debezium.connector.mysql.Source` block (or
 * `…mariadb.Source`), keys, envelopes and tombstones. Pure functions; no I/O.
 *
 * Values come from zongji (binlog rows) or mysql2 (snapshot rows), both opened with
 * `dateStrings`, `supportBigNumbers`/`bigNumberStrings` and `jsonStrings`, so that a value has
 * the same form in both: integers as numbers (or decimal strings beyond 2^53), DECIMAL as text,
 * temporal types as text in UTC, JSON as text, binary types as Buffers.
 */
import { ConnectSchema, bigNumber, dateToEpochDays, formatZonedTimestamp, parseDecimal, timestampToEpochMicros, toJson, twosComplementBytes } from './types';
import { OutRecord, changeEnvelopeSchema } from './envelope';

export type MySqlEngine = 'mysql' | 'mariadb';

/** One column as `information_schema.COLUMNS` describes it. */
export interface MySqlColumnDef {
  name: string;
  /** DATA_TYPE, lower case: `int`, `varchar`, `decimal`, … */
  dataType: string;
  /** COLUMN_TYPE, lower case: `int(10) unsigned`, `enum('a','b')`, `tinyint(1)`, … */
  columnType: string;
  nullable: boolean;
  /** Position in the primary key (1-based), if part of it. */
  pkPosition?: number;
  numericPrecision?: number | null;
  numericScale?: number | null;
  datetimePrecision?: number | null;
  characterMaximumLength?: number | null;
  /** Character set and collation of a text column (for decoding binlog rows). */
  characterSetName?: string | null;
  collationName?: string | null;
  /** The column's literal default (unquoted text), copied into the schema as Connect's `default`; undefined for none or an expression. */
  defaultText?: string;
}

export interface MySqlColumnMapping {
  schema: ConnectSchema;
  convert: (v: unknown) => unknown;
}

export interface MySqlTableModel {
  database: string;
  table: string;
  topic: string;
  columns: (MySqlColumnDef & { mapping: MySqlColumnMapping })[];
  keyColumns: string[];
  keySchemaJson: string | null;
  envelopeSchemaJson: string;
}

export interface MySqlEnvelopeOptions {
  engine: MySqlEngine;
  topicPrefix: string;
  schemasEnable: boolean;
  debeziumVersion: string;
  decimalHandlingMode: 'precise' | 'string' | 'double';
  tombstonesOnDelete: boolean;
  unknownTypes: 'fail' | 'skip';
}

export class UnsupportedMySqlTypeError extends Error {
  constructor(
    public readonly columnType: string,
    public readonly column: string,
  ) {
    super(`unsupported MySQL type ${columnType} in column ${column}`);
    this.name = 'UnsupportedMySqlTypeError';
  }
}

// ---------- types ----------

const s = (type: ConnectSchema['type'], extra: Partial<ConnectSchema> = {}): ConnectSchema => ({ type, optional: false, ...extra });

function text(v: unknown): string {
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  if (v instanceof Date) return v.toISOString().replace('T', ' ').replace('Z', '');
  return String(v);
}

function integer(v: unknown): unknown {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return bigNumber(v.toString());
  return bigNumber(String(v));
}

/** BIGINT UNSIGNED in `long` mode: Java's long, so values past 2^63-1 wrap to negative. */
function unsignedLong(v: unknown): unknown {
  const n = BigInt(typeof v === 'number' ? Math.trunc(v) : String(v));
  const wrapped = n > 0x7fffffffffffffffn ? n - (1n << 64n) : n;
  return bigNumber(wrapped.toString());
}

function base64(v: unknown): string {
  return (Buffer.isBuffer(v) ? v : Buffer.from(String(v), 'binary')).toString('base64');
}

function enumValues(columnType: string): string[] {
  const m = /^(?:enum|set)\((.*)\)$/i.exec(columnType.trim());
  if (!m) return [];
  const out: string[] = [];
  const re = /'((?:[^']|'')*)'/g;
  let x: RegExpExecArray | null;
  while ((x = re.exec(m[1]))) out.push(x[1].replace(/''/g, "'"));
  return out;
}

function isZeroDate(t: string): boolean {
  return /^0000-00-00/.test(t);
}

function dateTimeMicros(v: unknown): number {
  return timestampToEpochMicros(text(v).replace('T', ' '));
}

/** `-838:59:59.000000` … `838:59:59.000000` → microseconds. */
export function mysqlTimeToMicros(v: unknown): number {
  const m = /^(-)?(\d+):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/.exec(text(v).trim());
  if (!m) throw new Error(`not a MySQL time: ${text(v)}`);
  const micros = ((Number(m[2]) * 60 + Number(m[3])) * 60 + Number(m[4])) * 1_000_000 + Number((m[5] ?? '').padEnd(6, '0'));
  return m[1] ? -micros : micros;
}

/** Debezium's BIT(n>1): the bytes in little-endian order (Java BitSet.toByteArray). */
function bitsLittleEndian(v: unknown, bits: number): string {
  const be = Buffer.isBuffer(v) ? v : Buffer.from(BigInt(String(v)).toString(16).padStart(Math.ceil(bits / 4) + (Math.ceil(bits / 4) % 2), '0'), 'hex');
  const le = Buffer.from(be).reverse();
  // BitSet.toByteArray drops trailing zero bytes
  let end = le.length;
  while (end > 0 && le[end - 1] === 0) end--;
  return le.subarray(0, end).toString('base64');
}

/** Maps one column like Debezium's MySQL connector does with its default settings. */
export function mapMySqlColumn(col: MySqlColumnDef, opts: Pick<MySqlEnvelopeOptions, 'decimalHandlingMode'>): MySqlColumnMapping {
  const dt = col.dataType.toLowerCase();
  const ct = col.columnType.toLowerCase();
  const unsigned = /\bunsigned\b/.test(ct);
  switch (dt) {
    case 'bool':
    case 'boolean':
      return { schema: s('boolean'), convert: (v) => Number(v) !== 0 };
    case 'tinyint':
      return { schema: s('int16'), convert: integer };
    case 'smallint':
      return { schema: s(unsigned ? 'int32' : 'int16'), convert: integer };
    case 'mediumint':
      return { schema: s('int32'), convert: integer };
    case 'int':
    case 'integer':
      return { schema: s(unsigned ? 'int64' : 'int32'), convert: integer };
    case 'bigint':
      return { schema: s('int64'), convert: unsigned ? unsignedLong : integer };
    case 'float':
      return { schema: s('float'), convert: (v) => Number(v) };
    case 'double':
    case 'real':
      return { schema: s('double'), convert: (v) => Number(v) };
    case 'decimal':
    case 'numeric': {
      const scale = col.numericScale ?? 0;
      if (opts.decimalHandlingMode === 'double') return { schema: s('double'), convert: (v) => Number(text(v)) };
      if (opts.decimalHandlingMode === 'string') return { schema: s('string'), convert: (v) => text(v) };
      return {
        schema: s('bytes', {
          name: 'org.apache.kafka.connect.data.Decimal',
          version: 1,
          parameters: { scale: String(scale), 'connect.decimal.precision': String(col.numericPrecision ?? 10) },
        }),
        convert: (v) => twosComplementBytes(parseDecimal(text(v), scale).unscaled).toString('base64'),
      };
    }
    case 'bit': {
      const bits = col.numericPrecision ?? (Number(/bit\((\d+)\)/.exec(ct)?.[1]) || 1);
      if (bits === 1) return { schema: s('boolean'), convert: (v) => (Buffer.isBuffer(v) ? v.some((b) => b !== 0) : Number(v) !== 0) };
      return { schema: s('bytes', { name: 'io.debezium.data.Bits', version: 1, parameters: { length: String(bits) } }), convert: (v) => bitsLittleEndian(v, bits) };
    }
    case 'char':
    case 'varchar':
    case 'tinytext':
    case 'text':
    case 'mediumtext':
    case 'longtext':
      return { schema: s('string'), convert: text };
    case 'json':
      return { schema: s('string', { name: 'io.debezium.data.Json', version: 1 }), convert: (v) => (typeof v === 'string' || Buffer.isBuffer(v) ? text(v) : JSON.stringify(v)) };
    case 'enum':
      return { schema: s('string', { name: 'io.debezium.data.Enum', version: 1, parameters: { allowed: enumValues(ct).join(',') } }), convert: text };
    case 'set':
      return { schema: s('string', { name: 'io.debezium.data.EnumSet', version: 1, parameters: { allowed: enumValues(ct).join(',') } }), convert: text };
    case 'binary':
    case 'varbinary':
    case 'tinyblob':
    case 'blob':
    case 'mediumblob':
    case 'longblob':
      return { schema: s('bytes'), convert: base64 };
    case 'year':
      return { schema: s('int32', { name: 'io.debezium.time.Year', version: 1 }), convert: (v) => Number(v) };
    case 'date':
      return { schema: s('int32', { name: 'io.debezium.time.Date', version: 1 }), convert: (v) => (isZeroDate(text(v)) ? null : dateToEpochDays(text(v))) };
    case 'time':
      return { schema: s('int64', { name: 'io.debezium.time.MicroTime', version: 1 }), convert: mysqlTimeToMicros };
    case 'datetime': {
      const p = col.datetimePrecision ?? 0;
      if (p <= 3) return { schema: s('int64', { name: 'io.debezium.time.Timestamp', version: 1 }), convert: (v) => (isZeroDate(text(v)) ? null : Math.floor(dateTimeMicros(v) / 1000)) };
      return { schema: s('int64', { name: 'io.debezium.time.MicroTimestamp', version: 1 }), convert: (v) => (isZeroDate(text(v)) ? null : dateTimeMicros(v)) };
    }
    case 'timestamp':
      return {
        schema: s('string', { name: 'io.debezium.time.ZonedTimestamp', version: 1 }),
        convert: (v) => (isZeroDate(text(v)) ? null : formatZonedTimestamp(dateTimeMicros(v))),
      };
    default:
      throw new UnsupportedMySqlTypeError(col.columnType, col.name);
  }
}

// ---------- table model ----------

export function sourceSchema(engine: MySqlEngine): ConnectSchema {
  const f = (type: ConnectSchema['type'], field: string, optional = false): ConnectSchema => ({ type, optional, field });
  return {
    type: 'struct',
    fields: [
      f('string', 'version'),
      f('string', 'connector'),
      f('string', 'name'),
      f('int64', 'ts_ms'),
      {
        type: 'string',
        optional: true,
        name: 'io.debezium.data.Enum',
        version: 1,
        parameters: { allowed: 'true,first,first_in_data_collection,last_in_data_collection,last,false,incremental' },
        default: 'false',
        field: 'snapshot',
      },
      f('string', 'db'),
      f('string', 'sequence', true),
      f('int64', 'ts_us', true),
      f('int64', 'ts_ns', true),
      f('string', 'table', true),
      f('int64', 'server_id'),
      f('string', 'gtid', true),
      f('string', 'file'),
      f('int64', 'pos'),
      f('int32', 'row'),
      f('int64', 'thread', true),
      f('string', 'query', true),
    ],
    optional: false,
    name: engine === 'mariadb' ? 'io.debezium.connector.mariadb.Source' : 'io.debezium.connector.mysql.Source',
    version: 1,
    field: 'source',
  };
}

export function buildMySqlTableModel(database: string, table: string, columns: MySqlColumnDef[], opts: MySqlEnvelopeOptions): MySqlTableModel {
  const topic = `${opts.topicPrefix}.${database}.${table}`;
  const mapped: MySqlTableModel['columns'] = [];
  for (const c of columns) {
    try {
      mapped.push({ ...c, mapping: mapMySqlColumn(c, opts) });
    } catch (e) {
      if (e instanceof UnsupportedMySqlTypeError && opts.unknownTypes === 'skip' && c.pkPosition === undefined) continue;
      if (e instanceof UnsupportedMySqlTypeError) throw new UnsupportedMySqlTypeError(c.columnType, `${database}.${table}.${c.name}`);
      throw e;
    }
  }
  const field = (c: MySqlTableModel['columns'][number], optional: boolean): ConnectSchema => {
    // JsonConverter's key order: type, optional, default, name, version, parameters, field
    const { type, optional: _o, field: _f, ...rest } = c.mapping.schema;
    const out: ConnectSchema = { type, optional };
    const dflt = columnDefault(c);
    if (dflt !== undefined) out.default = dflt;
    return { ...out, ...rest, field: c.name };
  };
  const keyCols = mapped.filter((c) => c.pkPosition !== undefined).sort((a, b) => a.pkPosition! - b.pkPosition!);
  const keySchema: ConnectSchema | null = keyCols.length
    ? { type: 'struct', fields: keyCols.map((c) => field(c, false)), optional: false, name: `${topic}.Key` }
    : null;
  const valueSchema: ConnectSchema = { type: 'struct', fields: mapped.map((c) => field(c, c.nullable)), optional: true, name: `${topic}.Value` };
  const envelopeSchema = changeEnvelopeSchema(topic, valueSchema, sourceSchema(opts.engine));
  return {
    database,
    table,
    topic,
    columns: mapped,
    keyColumns: keyCols.map((c) => c.name),
    keySchemaJson: keySchema ? JSON.stringify(keySchema) : null,
    envelopeSchemaJson: JSON.stringify(envelopeSchema),
  };
}

/** The Connect value of a column's literal default, as Debezium puts it in the schema; undefined when there is none. */
export function columnDefault(c: MySqlColumnDef & { mapping: MySqlColumnMapping }): unknown {
  if (c.defaultText === undefined) return undefined;
  try {
    const v = c.mapping.convert(c.defaultText);
    return v === null ? undefined : v;
  } catch {
    return undefined;
  }
}

/** A row by column name (zongji and mysql2 both give objects). */
export type MySqlRow = Record<string, unknown>;

export function rowStruct(model: MySqlTableModel, row: MySqlRow): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const c of model.columns) {
    const v = row[c.name];
    if (v === null || v === undefined) {
      out[c.name] = null;
      continue;
    }
    try {
      out[c.name] = c.mapping.convert(v);
    } catch (e) {
      throw new Error(`${model.database}.${model.table}.${c.name}: ${(e as Error).message}`);
    }
  }
  return out;
}

// ---------- source block and records ----------

export interface MySqlSourcePosition {
  /** Event (commit) time, ms since epoch; the snapshot's start for snapshot rows. */
  tsMs: number;
  snapshot: 'true' | 'first' | 'first_in_data_collection' | 'last_in_data_collection' | 'last' | 'false';
  serverId: number;
  gtid: string | null;
  file: string;
  pos: number;
  row: number;
  thread: number | null;
  query: string | null;
}

export function mysqlSourceBlock(model: { database: string; table: string }, pos: MySqlSourcePosition, opts: MySqlEnvelopeOptions): Record<string, unknown> {
  return {
    version: opts.debeziumVersion,
    connector: opts.engine,
    name: opts.topicPrefix,
    ts_ms: pos.tsMs,
    snapshot: pos.snapshot,
    db: model.database,
    sequence: null,
    ts_us: pos.tsMs * 1000,
    ts_ns: pos.tsMs * 1_000_000,
    table: model.table,
    server_id: pos.serverId,
    gtid: pos.gtid,
    file: pos.file,
    pos: pos.pos,
    row: pos.row,
    thread: pos.thread,
    query: pos.query,
  };
}

function wrap(schemaJson: string | null, payload: unknown, schemasEnable: boolean): string {
  const p = toJson(payload);
  return schemasEnable ? `{"schema":${schemaJson ?? 'null'},"payload":${p}}` : p;
}

function keyText(model: MySqlTableModel, struct: Record<string, unknown>, opts: MySqlEnvelopeOptions): { json: string | null; struct: Record<string, unknown> | null } {
  if (!model.keySchemaJson) return { json: null, struct: null };
  const key: Record<string, unknown> = {};
  for (const k of model.keyColumns) key[k] = struct[k];
  return { json: wrap(model.keySchemaJson, key, opts.schemasEnable), struct: key };
}

function valueText(
  model: MySqlTableModel,
  op: 'c' | 'u' | 'd' | 'r',
  before: Record<string, unknown> | null,
  after: Record<string, unknown> | null,
  pos: MySqlSourcePosition,
  opts: MySqlEnvelopeOptions,
  nowMs: number,
): string {
  const payload = {
    before,
    after,
    source: mysqlSourceBlock(model, pos, opts),
    transaction: null,
    op,
    ts_ms: nowMs,
    ts_us: nowMs * 1000,
    ts_ns: nowMs * 1_000_000,
  };
  return wrap(model.envelopeSchemaJson, payload, opts.schemasEnable);
}

/**
 * Records for one row change: the event, a tombstone after a delete, and for an update of the
 * primary key a delete (+ tombstone) under the old key then a create under the new one, with
 * Debezium's `__debezium.newkey` / `__debezium.oldkey` headers.
 */
export function mysqlChangeRecords(
  model: MySqlTableModel,
  op: 'c' | 'u' | 'd' | 'r',
  beforeRow: MySqlRow | null,
  afterRow: MySqlRow | null,
  pos: MySqlSourcePosition,
  opts: MySqlEnvelopeOptions,
  nowMs: number,
): OutRecord[] {
  const before = beforeRow ? rowStruct(model, beforeRow) : null;
  const after = afterRow ? rowStruct(model, afterRow) : null;
  const out: OutRecord[] = [];
  if (op === 'u' && before && after && model.keySchemaJson) {
    const oldKey = keyText(model, before, opts);
    const newKey = keyText(model, after, opts);
    if (toJson(oldKey.struct) !== toJson(newKey.struct)) {
      const nk = { '__debezium.newkey': toJson(newKey.struct) };
      out.push({ topic: model.topic, key: oldKey.json, value: valueText(model, 'd', before, null, pos, opts, nowMs), headers: nk });
      if (opts.tombstonesOnDelete) out.push({ topic: model.topic, key: oldKey.json, value: null, headers: nk });
      out.push({ topic: model.topic, key: newKey.json, value: valueText(model, 'c', null, after, pos, opts, nowMs), headers: { '__debezium.oldkey': toJson(oldKey.struct) } });
      return out;
    }
  }
  const key = keyText(model, (after ?? before)!, opts).json;
  out.push({ topic: model.topic, key, value: valueText(model, op, before, after, pos, opts, nowMs) });
  if (op === 'd' && opts.tombstonesOnDelete) out.push({ topic: model.topic, key, value: null });
  return out;
}
