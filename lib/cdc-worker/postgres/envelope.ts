/**
 * Debezium change events for PostgreSQL: key and value (with or without the JsonConverter
 * `schema`/`payload` wrapper), `before`/`after`/`source`/`op`/`ts_*`, tombstones, truncates,
 * primary-key changes (the parts every engine shares: ../core/envelope.ts). Pure functions; no I/O.
 */
import { ConnectSchema } from '../core/json';
import { changeEnvelopeSchema, changeEventRecords, sourceBlockSchema, wrap } from '../core/envelope';
import type { OutRecord } from '../core/records';
import { ColumnMapping, PgTypeInfo, TypeMappingOptions, UnknownTypeError, mapColumn } from './type-mapping';

export type { OutRecord };
export { changeEnvelopeSchema, heartbeatRecord, transactionBlockSchema, transactionRecord } from '../core/envelope';

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

/** The `source` block's schema of PostgreSQL events: the common fields, then PostgreSQL's own. */
export function sourceSchema(): ConnectSchema {
  const f = (type: ConnectSchema['type'], field: string, optional = false): ConnectSchema => ({ type, optional, field });
  return sourceBlockSchema('io.debezium.connector.postgresql.Source', [
    f('string', 'schema'),
    f('string', 'table'),
    f('int64', 'txId', true),
    f('int64', 'lsn', true),
    f('int64', 'xmin', true),
    f('string', 'origin', true),
    f('int64', 'origin_lsn', true),
  ]);
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
  snapshot: 'true' | 'first' | 'first_in_data_collection' | 'last_in_data_collection' | 'last' | 'false' | 'incremental';
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
  return changeEventRecords(
    {
      topic: model.topic,
      keyOf: (row) => keyOf(model, row),
      keyText: (key) => serializeKey(model, key, opts),
      valueText: (op, b, a) => serializeValue(model, op, b, a, pos, opts, nowMicros, transaction),
    },
    change.op,
    before,
    after,
    opts.tombstonesOnDelete,
  );
}

/** A truncate event (op `t`): no key, no before/after. */
export function truncateRecord(model: TableModel, pos: SourcePosition, opts: EnvelopeOptions, nowMicros: number): OutRecord {
  return { topic: model.topic, key: null, value: serializeValue(model, 't', null, null, pos, opts, nowMicros) };
}
