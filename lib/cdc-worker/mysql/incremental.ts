/**
 * Signals and incremental snapshots on MySQL/MariaDB: the signal table's rows in the binlog become
 * signals and watermarks (they are not emitted as events), changes of the table being snapshotted
 * inside a watermark window are reported to it, and at the high watermark the chunk's surviving
 * rows are emitted as `op: r` events with `source.snapshot: "incremental"`, as Debezium's MySQL and
 * MariaDB connectors emit them: the `source` block is the high watermark event's (server_id, gtid,
 * file, pos, row, thread), with the snapshotted table and the time of emission.
 *
 * The Kafka signal topic's messages are written to the signal table, so that every signal reaches
 * the worker through the binlog, in order with the changes.
 */
import { createHash } from 'crypto';
import { IncrementalSnapshots, IncrementalSnapshotState } from '../core/incremental-snapshot';
import { SignalError, WATERMARK_CLOSE, WATERMARK_OPEN, parseSignal } from '../core/signals';
import type { EngineContext } from '../core/worker';
import { KafkaOffsetStore } from '../kafka/offset-store';
import { KafkaSignalChannel } from '../kafka/signal-channel';
import { MySqlChunkRow, MySqlChunkSource, keyText } from './chunk-query';
import { MySqlEnvelopeOptions, MySqlRow, MySqlSourcePosition, MySqlTableModel, mysqlChangeRecords } from './envelope';

/**
 * The signal table's id of a Kafka signal (`kafka-<partition>-<offset>`): with the topic's hash, so
 * that the same message read twice is one row, and two topics (another worker's, an earlier run's)
 * sharing the signal table never take each other's ids.
 */
export function kafkaSignalRowId(topic: string, id: string): string {
  return `${id.replace(/^kafka-/, `kafka-${createHash('sha256').update(topic).digest('hex').slice(0, 8)}-`)}`.slice(0, 42);
}

export class MySqlIncrementalSnapshots {
  readonly snapshots: IncrementalSnapshots<MySqlChunkRow>;
  private readonly source: MySqlChunkSource;
  private kafkaChannel: KafkaSignalChannel | null = null;

  /**
   * @param nextCheckpoint the checkpoint position the transaction being read will get at its
   *   commit (a chunk emitted inside it is delivered once Kafka acknowledges that position)
   */
  constructor(
    private readonly ctx: EngineContext,
    private readonly opts: MySqlEnvelopeOptions,
    positionKey: string,
    readonly signalTable: string,
    private readonly nextCheckpoint: () => bigint,
  ) {
    const { cfg } = ctx;
    this.source = new MySqlChunkSource(ctx, opts, signalTable);
    const store = new KafkaOffsetStore<IncrementalSnapshotState>(cfg.kafka, cfg.delivery.offsetsTopic, `${positionKey}.incremental-snapshot`);
    this.snapshots = new IncrementalSnapshots(ctx, this.source, store, cfg.signal?.chunkSize ?? 1024);
  }

  /** Connects; creates the signal table if missing. */
  async connect(): Promise<void> {
    await this.source.connect();
  }

  /** Before the binlog stream starts: the stored progress, the chunk loop, the Kafka channel (in the background). */
  async start(): Promise<void> {
    await this.snapshots.start();
    const topic = this.ctx.cfg.signal?.kafkaTopic;
    if (topic) {
      // not awaited: joining the consumer group can take a session timeout after a kill -9, and the binlog need not wait for it
      const channel = new KafkaSignalChannel(this.ctx, topic, (s) => this.source.writeSignal(kafkaSignalRowId(topic, s.id), s.type, s.data));
      this.kafkaChannel = channel;
      channel.start().catch((e: Error) => {
        if (this.kafkaChannel === channel) this.ctx.fail(new Error(`signal topic ${topic}: ${e.message}`), 'kafka');
      });
    }
  }

  isSignalTable(table: string): boolean {
    return table === this.signalTable;
  }

  /**
   * Rows of the signal table in the binlog: an insert is a signal or a watermark (updates and
   * deletes are the worker's own clean-up). `position(i)` is the `source` position of row `i`.
   */
  onSignalRows(op: 'c' | 'u' | 'd', rows: MySqlRow[], position: (i: number) => MySqlSourcePosition): Promise<void> | void {
    if (op !== 'c') return;
    const [idCol, typeCol, dataCol] = this.source.signalColumns;
    const text = (v: unknown) => (v === null || v === undefined ? null : Buffer.isBuffer(v) ? v.toString('utf8') : String(v));
    // in order: a signal is stored before the rows after it are looked at
    const from = (start: number): Promise<void> | void => {
      for (let i = start; i < rows.length; i++) {
        const r = rows[i];
        const p = this.onSignalRow(text(r[idCol]) ?? '', text(r[typeCol]), text(r[dataCol]), () => position(i));
        if (p) return p.then(() => from(i + 1));
      }
    };
    return from(0);
  }

  private onSignalRow(id: string, type: string | null, data: string | null, position: () => MySqlSourcePosition): Promise<void> | void {
    const w = this.snapshots.window;
    if (type === WATERMARK_OPEN) {
      w.onOpen(id);
      return;
    }
    if (type === WATERMARK_CLOSE) {
      const closed = w.onClose(id);
      if (closed) {
        this.emit(closed.rows, position());
        this.snapshots.chunkEmitted(this.nextCheckpoint(), closed);
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

  /** A captured change: inside a window, its keys (old and new) supersede the chunk's rows. */
  touched(table: string, model: MySqlTableModel, before: MySqlRow | null, after: MySqlRow | null): void {
    const w = this.snapshots.window;
    if (!w.isOpen || w.table !== table || !model.keyColumns.length) return;
    const keys: string[] = [];
    for (const row of [before, after]) if (row) keys.push(JSON.stringify(keyText(model, row)));
    w.onChange(table, keys);
  }

  private emit(rows: MySqlChunkRow[], pos: MySqlSourcePosition): void {
    const now = Date.now();
    const at: MySqlSourcePosition = { ...pos, tsMs: now, snapshot: 'incremental', query: null };
    for (const r of rows) {
      for (const rec of mysqlChangeRecords(r.model, 'r', null, r.row, at, this.opts, now)) this.ctx.sink.push(this.ctx.record(rec));
      this.ctx.metrics.events.inc({ table: `${r.model.database}.${r.model.table}`, op: 'r' });
    }
  }

  onCheckpoint(position: bigint): void {
    this.snapshots.onCheckpoint(position);
  }

  stop(): void {
    this.snapshots.stop();
    const channel = this.kafkaChannel;
    this.kafkaChannel = null;
    void channel?.stop();
  }

  async close(): Promise<void> {
    const channel = this.kafkaChannel;
    this.kafkaChannel = null;
    await channel?.stop();
    await this.source.close();
  }
}
