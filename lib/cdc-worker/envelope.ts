/**
 * Debezium change events for PostgreSQL: key and value (with or without the JsonConverter
 * `schema`/`payload` wrapper), `before`/`after`/`source`/`op`/`ts_*`, tombstones, truncates,
 * primary-key changes, heartbeats and transaction metadata. Pure functions; no I/O.
 */
import { ColumnMapping, ConnectSchema, PgTypeInfo, TypeMappingOptions, UnknownTypeError, mapColumn, toJson } from './types';
import type { OutRecord } from './core/records';

export type { OutRecord };

export interface ColumnDef {
  name: string;
  typeOid: number;
  /** pg_attribute.atttypmod, -1 when none. */
  typmod: number;
  /** NOT NULL in the catalog. */
  notNull: boolean;
  /** Part of the primary key (the Kafka key), in key order when sorted by `pkPosition`. */
  pkPosition?: number;
}

export interface TableColumn extends ColumnDef {
  mapping: ColumnMapping;
  /** Left out of events (unknown type with `unknownTypes: skip`). */
  skipped: boolean;
}

/** A captured table as events describe it. */
export interface TableModel {
  schema: string;
  table: string;
  topic: string;
  columns: TableColumn[];
  keyColumns: TableColumn[];
  keySchema: ConnectSchema | null;
  valueSchema: ConnectSchema;
  envelopeSchema: ConnectSchema;
  keySchemaJson: string | null;
  envelopeSchemaJson: string;
}

export interface EnvelopeOptions extends TypeMappingOptions {
  topicPrefix: string;
  database: string;
  schemasEnable: boolean;
  unknownTypes: 'fail' | 'skip';
  debeziumVersion: string;
  provideTransactionMetadata?: boolean;
}

const SNAPSHOT_ENUM = 'true,first,first_in_data_collection,last_in_data_collection,last,false,incremental';

export function sourceSchema(): ConnectSchema {
  const f = (type: ConnectSchema['type'], field: string, optional = false): ConnectSchema => ({ type, optional, field });
  return {
    type: 'struct',
    fields: [
      f('string', 'version'),
      f('string', 'connector'),
      f('string', 'name'),
      f('int64', 'ts_ms'),
      { type: 'string', optional: true, name: 'io.debezium.data.Enum', version: 1, parameters: { allowed: SNAPSHOT_ENUM }, default: 'false', field: 'snapshot' },
      f('string', 'db'),
      f('string', 'sequence', true),
      f('int64', 'ts_us', true),
      f('int64', 'ts_ns', true),
      f('string', 'schema'),
      f('string', 'table'),
      f('int64', 'txId', true),
      f('int64', 'lsn', true),
      f('int64', 'xmin', true),
      f('string', 'origin', true),
      f('int64', 'origin_lsn', true),
    ],
    optional: false,
    name: 'io.debezium.connector.postgresql.Source',
    version: 1,
    field: 'source',
  };
}

/**
 * The `<topic>.Envelope` schema of a change event, the same for every Debezium source: `before` and
 * `after` (the row's value schema), the source's `source` block, `transaction`, `op` and the
 * processing timestamps.
 */
export function changeEnvelopeSchema(topic: string, valueSchema: ConnectSchema, source: ConnectSchema): ConnectSchema {
  return {
    type: 'struct',
    fields: [
      { ...valueSchema, field: 'before' },
      { ...valueSchema, field: 'after' },
      source,
      transactionBlockSchema(),
      { type: 'string', optional: false, field: 'op' },
      { type: 'int64', optional: true, field: 'ts_ms' },
      { type: 'int64', optional: true, field: 'ts_us' },
      { type: 'int64', optional: true, field: 'ts_ns' },
    ],
    optional: false,
    name: `${topic}.Envelope`,
    version: 2,
  };
}

export function transactionBlockSchema(): ConnectSchema {
  return {
    type: 'struct',
    fields: [
      { type: 'string', optional: false, field: 'id' },
      { type: 'int64', optional: false, field: 'total_order' },
      { type: 'int64', optional: false, field: 'data_collection_order' },
    ],
    optional: true,
    name: 'event.block',
    version: 1,
    field: 'transaction',
  };
}

/** Builds the model of a table from its columns (in attribute order). */
export function buildTableModel(
  schema: string,
  table: string,
  columns: ColumnDef[],
  opts: EnvelopeOptions,
  lookup?: (oid: number) => PgTypeInfo | undefined,
): TableModel {
  const topic = `${opts.topicPrefix}.${schema}.${table}`;
  const cols: TableColumn[] = columns.map((c) => {
    try {
      return { ...c, mapping: mapColumn(c.typeOid, c.typmod, opts, lookup), skipped: false };
    } catch (e) {
      if (e instanceof UnknownTypeError) {
        if (opts.unknownTypes === 'skip' && c.pkPosition === undefined) {
          return { ...c, mapping: { schema: { type: 'string', optional: true }, convert: (t) => t, unavailable: null }, skipped: true };
        }
        throw new UnknownTypeError(e.typeOid, e.typeName, `${schema}.${table}.${c.name}`);
      }
      throw e;
    }
  });
  const included = cols.filter((c) => !c.skipped);
  const keyColumns = cols.filter((c) => c.pkPosition !== undefined).sort((a, b) => a.pkPosition! - b.pkPosition!);
  const fieldOf = (c: TableColumn, optional: boolean): ConnectSchema => {
    const s: ConnectSchema = { ...c.mapping.schema, optional };
    delete s.field;
    return { ...s, field: c.name };
  };
  const keySchema: ConnectSchema | null = keyColumns.length
    ? { type: 'struct', fields: keyColumns.map((c) => fieldOf(c, false)), optional: false, name: `${topic}.Key` }
    : null;
  const valueFields = included.map((c) => fieldOf(c, !c.notNull));
  const valueSchema: ConnectSchema = { type: 'struct', fields: valueFields, optional: true, name: `${topic}.Value` };
  const envelopeSchema = changeEnvelopeSchema(topic, valueSchema, sourceSchema());
  return {
    schema,
    table,
    topic,
    columns: cols,
    keyColumns,
    keySchema,
    valueSchema,
    envelopeSchema,
    keySchemaJson: keySchema ? JSON.stringify(keySchema) : null,
    envelopeSchemaJson: JSON.stringify(envelopeSchema),
  };
}

/** One column value as pgoutput (or a snapshot query) delivers it. */
export type RawValue = { kind: 'null' } | { kind: 'unchanged' } | { kind: 'text'; text: string };
/** Raw row: text per column in attribute order; null = SQL NULL; `undefined` = unchanged TOAST. */
export type RawRow = (string | null | undefined)[];

/** Converts a raw row into the `before`/`after` struct. */
export function rowToStruct(model: TableModel, row: RawRow): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const cols = model.columns;
  for (let i = 0; i < cols.length; i++) {
    const c = cols[i];
    if (c.skipped) continue;
    const v = row[i];
    if (v === null) out[c.name] = null;
    else if (v === undefined) out[c.name] = c.mapping.unavailable;
    else {
      try {
        out[c.name] = c.mapping.convert(v);
      } catch (e) {
        throw new Error(`${model.schema}.${model.table}.${c.name}: ${(e as Error).message}`);
      }
    }
  }
  return out;
}

export function keyOf(model: TableModel, struct: Record<string, unknown>): Record<string, unknown> | null {
  if (!model.keySchema) return null;
  const key: Record<string, unknown> = {};
  for (const c of model.keyColumns) key[c.name] = struct[c.name];
  return key;
}

/** Position and timing of a change, for the `source` block. */
export interface SourcePosition {
  /** Commit time in microseconds since epoch. */
  commitTimeMicros: number;
  txId: number | null;
  /** LSN of this change (numeric). */
  lsn: bigint | null;
  /** LSN of the last commit before this change (numeric), for `sequence`. */
  lastCommitLsn: bigint | null;
  snapshot: 'true' | 'first' | 'first_in_data_collection' | 'last_in_data_collection' | 'last' | 'false';
}

export interface TransactionBlock {
  id: string;
  total_order: number;
  data_collection_order: number;
}

function lsnNumber(lsn: bigint | null): unknown {
  return lsn === null ? null : Number(lsn);
}

export function sourceBlock(model: { schema: string; table: string }, pos: SourcePosition, opts: EnvelopeOptions): Record<string, unknown> {
  const ms = Math.floor(pos.commitTimeMicros / 1000);
  return {
    version: opts.debeziumVersion,
    connector: 'postgresql',
    name: opts.topicPrefix,
    ts_ms: ms,
    snapshot: pos.snapshot,
    db: opts.database,
    sequence: JSON.stringify([pos.lastCommitLsn === null ? null : String(pos.lastCommitLsn), pos.lsn === null ? null : String(pos.lsn)]),
    ts_us: pos.commitTimeMicros,
    ts_ns: pos.commitTimeMicros * 1000,
    schema: model.schema,
    table: model.table,
    txId: pos.txId,
    lsn: lsnNumber(pos.lsn),
    xmin: null,
    origin: null,
    origin_lsn: null,
  };
}

export type Op = 'c' | 'u' | 'd' | 'r' | 't';

function wrap(schemaJson: string | null, payload: unknown, schemasEnable: boolean): string {
  const p = toJson(payload);
  return schemasEnable ? `{"schema":${schemaJson ?? 'null'},"payload":${p}}` : p;
}

export function serializeKey(model: TableModel, key: Record<string, unknown> | null, opts: EnvelopeOptions): string | null {
  if (key === null) return null;
  return wrap(model.keySchemaJson, key, opts.schemasEnable);
}

/** Serializes one change event value. `nowMicros` is the processing time (`ts_ms`/`ts_us`/`ts_ns`). */
export function serializeValue(
  model: TableModel,
  op: Op,
  before: Record<string, unknown> | null,
  after: Record<string, unknown> | null,
  pos: SourcePosition,
  opts: EnvelopeOptions,
  nowMicros: number,
  transaction: TransactionBlock | null = null,
): string {
  const payload = {
    before,
    after,
    source: sourceBlock(model, pos, opts),
    transaction,
    op,
    ts_ms: Math.floor(nowMicros / 1000),
    ts_us: nowMicros,
    ts_ns: nowMicros * 1000,
  };
  return wrap(model.envelopeSchemaJson, payload, opts.schemasEnable);
}

export interface ChangeInput {
  op: 'c' | 'u' | 'd' | 'r';
  /** Old row (REPLICA IDENTITY FULL: whole row; DEFAULT: key columns, others null), or null. */
  before: RawRow | null;
  after: RawRow | null;
}

/**
 * All records for one row change: the event, a tombstone after a delete, and for an update that
 * changes the primary key a delete (+ tombstone) of the old key followed by a create, as Debezium does.
 */
export function changeRecords(
  model: TableModel,
  change: ChangeInput,
  pos: SourcePosition,
  opts: EnvelopeOptions & { tombstonesOnDelete: boolean },
  nowMicros: number,
  transaction: TransactionBlock | null = null,
): OutRecord[] {
  const before = change.before ? rowToStruct(model, change.before) : null;
  const after = change.after ? rowToStruct(model, change.after) : null;
  const out: OutRecord[] = [];
  if (change.op === 'u' && before && after && model.keySchema) {
    const oldKey = keyOf(model, before);
    const newKey = keyOf(model, after);
    if (toJson(oldKey) !== toJson(newKey)) {
      const oldKeyText = serializeKey(model, oldKey, opts);
      const newKeyText = serializeKey(model, newKey, opts);
      // header values as Connect's SimpleHeaderConverter writes a struct: its JSON, no schema
      const newKeyHeader = { '__debezium.newkey': toJson(newKey) };
      out.push({
        topic: model.topic,
        key: oldKeyText,
        value: serializeValue(model, 'd', before, null, pos, opts, nowMicros, transaction),
        headers: newKeyHeader,
      });
      if (opts.tombstonesOnDelete) out.push({ topic: model.topic, key: oldKeyText, value: null, headers: newKeyHeader });
      out.push({
        topic: model.topic,
        key: newKeyText,
        value: serializeValue(model, 'c', null, after, pos, opts, nowMicros, transaction),
        headers: { '__debezium.oldkey': toJson(oldKey) },
      });
      return out;
    }
  }
  const keyStruct = keyOf(model, (after ?? before)!);
  const key = serializeKey(model, keyStruct, opts);
  out.push({ topic: model.topic, key, value: serializeValue(model, change.op, before, after, pos, opts, nowMicros, transaction) });
  if (change.op === 'd' && opts.tombstonesOnDelete) out.push({ topic: model.topic, key, value: null });
  return out;
}

/** A truncate event (op `t`): no key, no before/after. */
export function truncateRecord(model: TableModel, pos: SourcePosition, opts: EnvelopeOptions, nowMicros: number): OutRecord {
  return { topic: model.topic, key: null, value: serializeValue(model, 't', null, null, pos, opts, nowMicros) };
}

/** Debezium's heartbeat record: topic `<prefix>.<topicPrefix>`, key `{serverName}`, value `{ts_ms}`. */
export function heartbeatRecord(heartbeatTopicsPrefix: string, opts: EnvelopeOptions, nowMs: number): OutRecord {
  const keySchema = {
    type: 'struct',
    fields: [{ type: 'string', optional: false, field: 'serverName' }],
    optional: false,
    name: 'io.debezium.connector.common.ServerNameKey',
  };
  const valueSchema = {
    type: 'struct',
    fields: [{ type: 'int64', optional: false, field: 'ts_ms' }],
    optional: false,
    name: 'io.debezium.connector.common.Heartbeat',
  };
  return {
    topic: `${heartbeatTopicsPrefix}.${opts.topicPrefix}`,
    key: wrap(JSON.stringify(keySchema), { serverName: opts.topicPrefix }, opts.schemasEnable),
    value: wrap(JSON.stringify(valueSchema), { ts_ms: nowMs }, opts.schemasEnable),
  };
}

/** Transaction metadata record (BEGIN/END) for `<topicPrefix>.transaction`. */
export function transactionRecord(
  opts: EnvelopeOptions,
  status: 'BEGIN' | 'END',
  txId: string,
  commitTimeMs: number,
  counts: Map<string, number> | null,
): OutRecord {
  const valueSchema = {
    type: 'struct',
    fields: [
      { type: 'string', optional: false, field: 'status' },
      { type: 'string', optional: false, field: 'id' },
      { type: 'int64', optional: true, field: 'event_count' },
      {
        type: 'array',
        items: {
          type: 'struct',
          fields: [
            { type: 'string', optional: false, field: 'data_collection' },
            { type: 'int64', optional: false, field: 'event_count' },
          ],
          optional: false,
        },
        optional: true,
        field: 'data_collections',
      },
      { type: 'int64', optional: false, field: 'ts_ms' },
    ],
    optional: false,
    name: 'io.debezium.connector.common.TransactionMetadataValue',
    version: 1,
  };
  const keySchema = {
    type: 'struct',
    fields: [{ type: 'string', optional: false, field: 'id' }],
    optional: false,
    name: 'io.debezium.connector.common.TransactionMetadataKey',
    version: 1,
  };
  let total: number | null = null;
  let collections: { data_collection: string; event_count: number }[] | null = null;
  if (counts) {
    total = 0;
    collections = [];
    for (const [dc, n] of counts) {
      total += n;
      collections.push({ data_collection: dc, event_count: n });
    }
  }
  return {
    topic: `${opts.topicPrefix}.transaction`,
    key: wrap(JSON.stringify(keySchema), { id: txId }, opts.schemasEnable),
    value: wrap(JSON.stringify(valueSchema), { status, id: txId, event_count: total, data_collections: collections, ts_ms: commitTimeMs }, opts.schemasEnable),
  };
}
