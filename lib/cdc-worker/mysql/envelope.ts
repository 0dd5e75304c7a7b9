/**
 * Debezium change events for MySQL and MariaDB: the table model (key and envelope schemas, with
 * column literal defaults), the `io.debezium.connector.mysql.Source` block (or `…mariadb.Source`),
 * keys, envelopes and tombstones. Column types: type-mapping.ts. Pure functions; no I/O.
 */
import { ConnectSchema } from '../core/json';
import { SnapshotMarker, changeEnvelopeSchema, changeEventRecords, sourceBlockSchema, wrap } from '../core/envelope';
import type { OutRecord } from '../core/records';
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

/** The `source` block's schema of MySQL/MariaDB events: the common fields, then the binlog's own. */
export function sourceSchema(engine: MySqlEngine): ConnectSchema {
  const f = (type: ConnectSchema['type'], field: string, optional = false): ConnectSchema => ({ type, optional, field });
  return sourceBlockSchema(engine === 'mariadb' ? 'io.debezium.connector.mariadb.Source' : 'io.debezium.connector.mysql.Source', [
    f('string', 'table', true),
    f('int64', 'server_id'),
    f('string', 'gtid', true),
    f('string', 'file'),
    f('int64', 'pos'),
    f('int32', 'row'),
    f('int64', 'thread', true),
    f('string', 'query', true),
  ]);
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
  /** `incremental` for the rows of an incremental snapshot (mysql/incremental.ts). */
  snapshot: SnapshotMarker | 'incremental';
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

function keyOf(model: MySqlTableModel, struct: Record<string, unknown>): Record<string, unknown> | null {
  if (!model.keySchemaJson) return null;
  const key: Record<string, unknown> = {};
  for (const k of model.keyColumns) key[k] = struct[k];
  return key;
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
  return changeEventRecords(
    {
      topic: model.topic,
      keyOf: (row) => keyOf(model, row),
      keyText: (key) => (key === null ? null : wrap(model.keySchemaJson, key, opts.schemasEnable)),
      valueText: (o, b, a) => valueText(model, o, b, a, pos, opts, nowMs),
    },
    op,
    before,
    after,
    opts.tombstonesOnDelete,
  );
}
