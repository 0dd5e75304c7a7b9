/**
 * Signals and incremental snapshots on PostgreSQL: the signal table's rows in the stream become
 * signals and watermarks (they are not emitted as events), changes of the table being snapshotted
 * inside a watermark window are reported to it, and at the high watermark the chunk's surviving
 * rows are emitted as `op: r` events with `source.snapshot: "incremental"`, as Debezium's are.
 *
 * Also: tables new to the publication at start (added to `source.tables`) are snapshotted this
 * way, through an `execute-snapshot` row the worker writes itself, and the Kafka signal topic's
 * messages are written to the signal table, so that every signal reaches the worker through the
 * stream, in order with the changes.
 */
import type { Client } from 'pg';
import type { Catalog } from './catalog';
import { IncrementalSnapshots, IncrementalSnapshotState } from '../core/incremental-snapshot';
import { SignalError, parseSignal } from '../core/signals';
import type { EngineContext } from '../core/worker';
import { KafkaOffsetStore } from '../kafka/offset-store';
import { KafkaSignalChannel } from '../kafka/signal-channel';
import { PgChunkRow, PgChunkSource } from './chunk-query';
import { EnvelopeOptions, RawRow, SourcePosition, TableModel, changeRecords } from './envelope';
import type { PgOutputMessage } from './protocol';

type RowChange = Extract<PgOutputMessage, { tag: 'insert' | 'update' | 'delete' }>;

export class PgIncrementalSnapshots {
  readonly snapshots: IncrementalSnapshots<PgChunkRow>;
  private readonly source: PgChunkSource;
  private readonly keyIndexes = new WeakMap<TableModel, number[]>();
  private kafkaChannel: KafkaSignalChannel | null = null;

  constructor(
    private readonly ctx: EngineContext,
    private readonly opts: EnvelopeOptions & { tombstonesOnDelete: boolean },
    readonly signalTable: string,
  ) {
    const { cfg } = ctx;
    this.source = new PgChunkSource(ctx, opts, signalTable);
    const store = new KafkaOffsetStore<IncrementalSnapshotState>(cfg.kafka, cfg.delivery.offsetsTopic, `${cfg.source.slotName}.incremental-snapshot`);
    this.snapshots = new IncrementalSnapshots(ctx, this.source, store, cfg.signal?.chunkSize ?? 1024);
  }

  /** Connects; creates the signal table if missing. */
  async connect(): Promise<void> {
    await this.source.connect();
  }

  /** Before the stream starts: the stored progress, the chunk loop, the Kafka channel. */
  async start(): Promise<void> {
    await this.snapshots.start();
    const topic = this.ctx.cfg.signal?.kafkaTopic;
    if (topic) {
      this.kafkaChannel = new KafkaSignalChannel(this.ctx, topic, (s) => this.source.writeSignal(s.id, s.type, s.data));
      await this.kafkaChannel.start();
    }
  }

  /** Tables that were not in the publication at start: snapshot them (an `execute-snapshot` row, so it survives a crash). */
  async snapshotAdded(tables: string[], at: string): Promise<void> {
    if (!tables.length) return;
    const data = JSON.stringify({ type: 'incremental', 'data-collections': tables });
    await this.source.writeSignal(`added-${at}`.slice(0, 42), 'execute-snapshot', data);
    this.ctx.log.info({ tables }, 'tables added to the publication: an incremental snapshot of them is queued');
  }

  isSignalTable(model: TableModel): boolean {
    return `${model.schema}.${model.table}` === this.signalTable;
  }

  /**
   * A change of the signal table: an insert is a signal or a watermark (updates and deletes are
   * the worker's own clean-up). `commitAt` is the position of its transaction's commit.
   */
  onSignalRow(msg: RowChange, pos: SourcePosition, commitAt: bigint): Promise<void> | void {
    if (msg.tag !== 'insert') return;
    const [id, type, data] = msg.newTuple;
    const w = this.snapshots.window;
    if (type === 'snapshot-window-open') {
      w.onOpen(id ?? '');
      return;
    }
    if (type === 'snapshot-window-close') {
      const closed = w.onClose(id ?? '');
      if (closed) {
        this.emit(closed.rows, pos);
        this.snapshots.chunkEmitted(commitAt, closed);
      }
      return;
    }
    try {
      return this.snapshots.onSignal(parseSignal(id, type, data));
    } catch (e) {
      if (!(e instanceof SignalError)) throw e;
      this.ctx.metrics.errors.inc({ kind: 'signal' });
      this.ctx.log.error({ err: e.message }, 'signal ignored');
    }
  }

  /** A captured change: inside a window, its keys supersede the chunk's rows. */
  touched(model: TableModel, before: RawRow | null, after: RawRow | null, xid?: number): void {
    const w = this.snapshots.window;
    const table = `${model.schema}.${model.table}`;
    if (!w.watches(table)) return;
    let idx = this.keyIndexes.get(model);
    if (!idx) {
      idx = model.keyColumns.map((k) => model.columns.indexOf(k));
      this.keyIndexes.set(model, idx);
    }
    const keys: string[] = [];
    for (const row of [before, after]) if (row) keys.push(JSON.stringify(idx.map((i) => row[i] ?? null)));
    w.onChange(table, keys, xid === undefined ? undefined : String(xid));
  }

  /** A truncate of a captured table: inside a window of that table, the chunk's rows are all older. */
  truncated(model: TableModel): void {
    this.snapshots.window.onTruncate(`${model.schema}.${model.table}`);
  }

  private emit(rows: PgChunkRow[], pos: SourcePosition): void {
    const now = Date.now() * 1000;
    const at: SourcePosition = { ...pos, snapshot: 'incremental' };
    for (const r of rows) {
      for (const rec of changeRecords(r.model, { op: 'r', before: null, after: r.row }, at, this.opts, now)) this.ctx.sink.push(this.ctx.record(rec));
      this.ctx.metrics.events.inc({ table: `${r.model.schema}.${r.model.table}`, op: 'r' });
    }
  }

  onCheckpoint(position: bigint): void {
    this.snapshots.onCheckpoint(position);
  }

  stop(): void {
    this.snapshots.stop();
    void this.kafkaChannel?.stop();
  }

  async close(): Promise<void> {
    await this.kafkaChannel?.stop();
    await this.source.close();
  }
}

/**
 * Creates the publication or adds what it lacks: the captured tables and the signal table. When
 * signals are on and the slot exists, tables new to the publication get an incremental snapshot:
 * the signal table goes in first, then the `execute-snapshot` row, then the new tables, so that a
 * crash in between leaves nothing unsnapshotted.
 */
export async function preparePublication(
  ctx: EngineContext,
  client: Client,
  catalog: Catalog,
  incremental: PgIncrementalSnapshots | null,
): Promise<{ created: boolean; added: string[] }> {
  const { publicationName, tables, slotName } = ctx.cfg.source;
  if (!incremental) return catalog.ensurePublication(publicationName, tables);
  await incremental.connect();
  const slotExists = (await catalog.slot(slotName)) !== null;
  const missing = slotExists ? ((await missingFromPublication(client, publicationName, tables)) ?? []) : [];
  const first = await catalog.ensurePublication(publicationName, [...tables.filter((t) => !missing.includes(t)), incremental.signalTable]);
  await incremental.snapshotAdded(missing, String(Date.now()));
  const then = await catalog.ensurePublication(publicationName, tables);
  return { created: first.created, added: [...first.added, ...then.added] };
}

/** Tables of `tables` the publication does not have yet (null: the publication does not exist). */
async function missingFromPublication(client: Client, publication: string, tables: string[]): Promise<string[] | null> {
  const pub = await client.query('SELECT puballtables FROM pg_publication WHERE pubname = $1', [publication]);
  if (pub.rowCount === 0) return null;
  if (pub.rows[0].puballtables === true || pub.rows[0].puballtables === 't') return [];
  const have = await client.query('SELECT schemaname, tablename FROM pg_publication_tables WHERE pubname = $1', [publication]);
  const present = new Set(have.rows.map((r) => `${r.schemaname}.${r.tablename}`));
  return tables.filter((t) => !present.has(t));
}
