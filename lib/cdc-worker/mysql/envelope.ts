/**
 * Debezium change events for MySQL and MariaDB: the table model (key and envelope schemas, with
 * column literal defaults), the `io.debezium.connector.mysql.Source` block (or `…mariadb.Source`),
 * keys, envelopes and tombstones. Column types: type-mapping.ts. Pure functions; no I/O.
 */
import { ConnectSchema, toJson } from '../types';
import { OutRecord, changeEnvelopeSchema } from '../envelope';
import { MySqlColumnDef, MySqlColumnMapping, MySqlEngine, UnsupportedMySqlTypeError, mapMySqlColumn } from './type-mapping';

export { UnsupportedMySqlTypeError, mapMySqlColumn, mysqlTimeToMicros } from './type-mapping';
export type { MySqlColumnDef, MySqlColumnMapping, MySqlEngine } from './type-mapping';

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
