/**
 * Signals, as Debezium defines them: a row `(id, type, data)` inserted into the signal table of the
 * source database (Debezium's `signal.data.collection`), or a message on the Kafka signal topic
 * (Debezium's `signal.kafka.topic`, key = the topic prefix, value = `{"type": …, "data": {…}}`).
 *
 * Supported types (same names and `data` JSON as Debezium's):
 *
 * - `execute-snapshot`: `{"type": "incremental", "data-collections": ["schema.table", …],
 *   "additional-conditions": [{"data-collection": "schema.table", "filter": "status = 'open'"}]}`
 * - `stop-snapshot`: `{"type": "incremental", "data-collections": [...]}` (no list: stop them all)
 * - `pause-snapshot`, `resume-snapshot`: no data
 * - `log`: `{"message": "…"}`
 *
 * The two watermark types the worker writes itself (`snapshot-window-open`,
 * `snapshot-window-close`) are parsed here too, so that the engines see one kind of thing.
 * Pure functions; no I/O.
 */

/** One table of an `execute-snapshot` signal, with its optional `additional-conditions` filter. */
export interface SnapshotCollection {
  readonly table: string;
  /** A SQL condition on the table's rows (Debezium's `additional-conditions[].filter`). */
  readonly filter?: string;
}

export type Signal =
  | { readonly id: string; readonly type: 'execute-snapshot'; readonly collections: SnapshotCollection[] }
  | { readonly id: string; readonly type: 'stop-snapshot'; readonly tables: string[] | null }
  | { readonly id: string; readonly type: 'pause-snapshot' | 'resume-snapshot' }
  | { readonly id: string; readonly type: 'log'; readonly message: string }
  | { readonly id: string; readonly type: 'snapshot-window-open' | 'snapshot-window-close' };

/** The signal types a user may send (the watermark types are the worker's own). */
export const SIGNAL_TYPES = ['execute-snapshot', 'stop-snapshot', 'pause-snapshot', 'resume-snapshot', 'log'] as const;
export const WATERMARK_OPEN = 'snapshot-window-open';
export const WATERMARK_CLOSE = 'snapshot-window-close';

/** A signal that cannot be acted on: the message names the signal's id, the field, the value and what is allowed. */
export class SignalError extends Error {
  constructor(id: string, problem: string) {
    super(`signal ${JSON.stringify(id)}: ${problem}`);
    this.name = 'SignalError';
  }
}

function parseData(id: string, data: unknown): Record<string, unknown> {
  if (data === null || data === undefined || data === '') return {};
  let value = data;
  if (typeof data === 'string') {
    try {
      value = JSON.parse(data);
    } catch (e) {
      throw new SignalError(id, `data is not valid JSON (${(e as Error).message}) (got ${JSON.stringify(data.slice(0, 200))})`);
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SignalError(id, `data must be a JSON object (got ${JSON.stringify(value)})`);
  }
  return value as Record<string, unknown>;
}

function tableList(id: string, value: unknown, field: string, required: boolean): string[] | null {
  if (value === undefined || value === null) {
    if (required) throw new SignalError(id, `data.${field} is required: a list of tables, e.g. ["public.orders"]`);
    return null;
  }
  if (!Array.isArray(value) || value.some((t) => typeof t !== 'string' || t.trim() === '')) {
    throw new SignalError(id, `data.${field} must be a list of table names (got ${JSON.stringify(value)})`);
  }
  if (required && value.length === 0) throw new SignalError(id, `data.${field} must name at least one table (got [])`);
  return (value as string[]).map((t) => t.trim());
}

function snapshotType(id: string, data: Record<string, unknown>): void {
  const type = data.type ?? 'incremental';
  if (typeof type !== 'string' || type.toLowerCase() !== 'incremental') {
    throw new SignalError(id, `data.type ${JSON.stringify(type)} is not supported: allowed is "incremental" (blocking snapshots are not)`);
  }
}

function conditions(id: string, value: unknown): Map<string, string> {
  const out = new Map<string, string>();
  if (value === undefined || value === null) return out;
  if (!Array.isArray(value))
    throw new SignalError(id, `data.additional-conditions must be a list of {"data-collection", "filter"} (got ${JSON.stringify(value)})`);
  value.forEach((c, i) => {
    const dc = (c as Record<string, unknown> | null)?.['data-collection'];
    const filter = (c as Record<string, unknown> | null)?.filter;
    if (typeof dc !== 'string' || dc.trim() === '') {
      throw new SignalError(id, `data.additional-conditions[${i}].data-collection must be a table name (got ${JSON.stringify(dc)})`);
    }
    if (typeof filter !== 'string' || filter.trim() === '') {
      throw new SignalError(id, `data.additional-conditions[${i}].filter must be a SQL condition, e.g. "id > 100" (got ${JSON.stringify(filter)})`);
    }
    // the filter goes into the chunk query's WHERE: one condition, no statement separator
    if (filter.includes(';')) throw new SignalError(id, `data.additional-conditions[${i}].filter must not contain ";" (got ${JSON.stringify(filter)})`);
    out.set(dc.trim(), filter.trim());
  });
  return out;
}

function executeSnapshot(id: string, data: Record<string, unknown>): Signal {
  snapshotType(id, data);
  const tables = tableList(id, data['data-collections'], 'data-collections', true)!;
  const filters = conditions(id, data['additional-conditions']);
  for (const dc of filters.keys()) {
    if (!tables.includes(dc))
      throw new SignalError(id, `data.additional-conditions names ${JSON.stringify(dc)}, which is not in data.data-collections (${JSON.stringify(tables)})`);
  }
  const collections = [...new Set(tables)].map((table) => (filters.has(table) ? { table, filter: filters.get(table)! } : { table }));
  return { id, type: 'execute-snapshot', collections };
}

/**
 * Parses one signal. `data` is the signal row's `data` column (JSON text, or null) or the Kafka
 * message's `data` object. Throws a {@link SignalError} for an unknown type or bad data.
 */
export function parseSignal(id: unknown, type: unknown, data: unknown): Signal {
  if (typeof id !== 'string' || id === '') throw new SignalError(String(id), `id must be a non-empty string (got ${JSON.stringify(id)})`);
  if (type === WATERMARK_OPEN || type === WATERMARK_CLOSE) return { id, type };
  const d = parseData(id, data);
  switch (type) {
    case 'execute-snapshot':
      return executeSnapshot(id, d);
    case 'stop-snapshot':
      if (d.type !== undefined) snapshotType(id, d);
      return { id, type, tables: tableList(id, d['data-collections'], 'data-collections', false) };
    case 'pause-snapshot':
    case 'resume-snapshot':
      return { id, type };
    case 'log': {
      if (typeof d.message !== 'string') throw new SignalError(id, `data.message must be a string (got ${JSON.stringify(d.message)})`);
      return { id, type, message: d.message };
    }
    default:
      throw new SignalError(id, `type ${JSON.stringify(type)} is not supported: allowed are ${SIGNAL_TYPES.map((t) => `"${t}"`).join(', ')}`);
  }
}

/**
 * A message of the Kafka signal topic, as Debezium reads it: the key must be the connector's topic
 * prefix (other keys are for other connectors and are skipped: null is returned); the value is
 * `{"type": …, "data": {…}}`. The signal's id is its place in the topic, `kafka-<partition>-<offset>`.
 */
export function parseKafkaSignal(
  message: { key: string | null; value: string | null; partition: number; offset: string },
  topicPrefix: string,
): { id: string; type: string; data: string | null } | null {
  if (message.key !== topicPrefix) return null;
  const id = `kafka-${message.partition}-${message.offset}`;
  let value: unknown;
  try {
    value = JSON.parse(message.value ?? '');
  } catch (e) {
    throw new SignalError(id, `the message value is not valid JSON (${(e as Error).message})`);
  }
  const v = value as { type?: unknown; data?: unknown } | null;
  if (typeof v?.type !== 'string') throw new SignalError(id, `the message value must be {"type": …, "data": {…}} (got ${JSON.stringify(value)})`);
  if (v.type === WATERMARK_OPEN || v.type === WATERMARK_CLOSE)
    throw new SignalError(id, `type "${v.type}" is the worker's own; allowed are ${SIGNAL_TYPES.join(', ')}`);
  const parsed = parseSignal(id, v.type, v.data ?? null); // checks it now, before it goes to the signal table
  return { id: parsed.id, type: v.type, data: v.data === undefined || v.data === null ? null : JSON.stringify(v.data) };
}
