/**
 * What every engine's Debezium events share: the envelope schema, the common fields of the
 * `source` block, the JsonConverter wrapper, the records of one row change (tombstones, primary-key
 * changes), heartbeats and transaction metadata. Pure functions; no I/O.
 */
import { ConnectSchema, toJson } from './json';
import type { OutRecord } from './records';

/** Where a snapshot row is in the snapshot (`source.snapshot`); `false` for streamed changes. */
export type SnapshotMarker = 'true' | 'first' | 'first_in_data_collection' | 'last_in_data_collection' | 'last' | 'false';

const SNAPSHOT_ENUM = 'true,first,first_in_data_collection,last_in_data_collection,last,false,incremental';

/**
 * The `source` block's schema: the fields every Debezium connector writes first (version,
 * connector, name, ts_ms, snapshot, db, sequence, ts_us, ts_ns), then the engine's own.
 */
export function sourceBlockSchema(name: string, engineFields: ConnectSchema[]): ConnectSchema {
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
        parameters: { allowed: SNAPSHOT_ENUM },
        default: 'false',
        field: 'snapshot',
      },
      f('string', 'db'),
      f('string', 'sequence', true),
      f('int64', 'ts_us', true),
      f('int64', 'ts_ns', true),
      ...engineFields,
    ],
    optional: false,
    name,
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

/** Key or value text: the payload, wrapped in `{schema, payload}` when schemas are on (JsonConverter `schemas.enable`). */
export function wrap(schemaJson: string | null, payload: unknown, schemasEnable: boolean): string {
  const p = toJson(payload);
  return schemasEnable ? `{"schema":${schemaJson ?? 'null'},"payload":${p}}` : p;
}

/** How one engine writes the key and value of a table's events (see {@link changeEventRecords}). */
export interface ChangeEventWriter {
  topic: string;
  /** The key fields of a row; null for a table without a primary key. */
  keyOf(row: Record<string, unknown>): Record<string, unknown> | null;
  keyText(key: Record<string, unknown> | null): string | null;
  valueText(op: 'c' | 'u' | 'd' | 'r', before: Record<string, unknown> | null, after: Record<string, unknown> | null): string;
}

/**
 * All records for one row change: the event, a tombstone after a delete, and for an update that
 * changes the primary key a delete (+ tombstone) under the old key followed by a create under the
 * new one, with Debezium's `__debezium.newkey` / `__debezium.oldkey` headers.
 */
export function changeEventRecords(
  w: ChangeEventWriter,
  op: 'c' | 'u' | 'd' | 'r',
  before: Record<string, unknown> | null,
  after: Record<string, unknown> | null,
  tombstonesOnDelete: boolean,
): OutRecord[] {
  const out: OutRecord[] = [];
  if (op === 'u' && before && after) {
    const oldKey = w.keyOf(before);
    const newKey = w.keyOf(after);
    if (oldKey !== null && toJson(oldKey) !== toJson(newKey)) {
      const oldKeyText = w.keyText(oldKey);
      // header values as Connect's SimpleHeaderConverter writes a struct: its JSON, no schema
      const newKeyHeader = { '__debezium.newkey': toJson(newKey) };
      out.push({ topic: w.topic, key: oldKeyText, value: w.valueText('d', before, null), headers: newKeyHeader });
      if (tombstonesOnDelete) out.push({ topic: w.topic, key: oldKeyText, value: null, headers: newKeyHeader });
      out.push({ topic: w.topic, key: w.keyText(newKey), value: w.valueText('c', null, after), headers: { '__debezium.oldkey': toJson(oldKey) } });
      return out;
    }
  }
  const key = w.keyText(w.keyOf((after ?? before)!));
  out.push({ topic: w.topic, key, value: w.valueText(op, before, after) });
  if (op === 'd' && tombstonesOnDelete) out.push({ topic: w.topic, key, value: null });
  return out;
}

/** Debezium's heartbeat record: topic `<prefix>.<topicPrefix>`, key `{serverName}`, value `{ts_ms}`. */
export function heartbeatRecord(heartbeatTopicsPrefix: string, opts: { topicPrefix: string; schemasEnable: boolean }, nowMs: number): OutRecord {
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
  opts: { topicPrefix: string; schemasEnable: boolean },
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
