/**
 * The PostgreSQL replication stream turned into records: pgoutput messages are decoded on arrival
 * (pg reuses the buffer a CopyData payload points into), queued, and processed in order: relation
 * messages (re)build table models from the catalog, begin/commit frame transactions, changes become
 * Debezium events, and each commit pushes a checkpoint at the transaction's end LSN.
 *
 * Backpressure: reading pauses while decoded messages pile up (e.g. during a catalog look-up) or
 * while the sink has no room, and resumes once both have room again.
 */
import type { EngineContext } from '../core/worker';
import { Catalog } from './catalog';
import { EnvelopeOptions, SourcePosition, TableModel, TransactionBlock, buildTableModel, changeRecords, transactionRecord, truncateRecord } from './envelope';
import { PgOutputMessage, ReplicationMessage, decodePgOutput } from './protocol';
import type { ReplicationConnection } from './replication';
import type { PgIncrementalSnapshots } from './incremental';

/** The engine's positions, shared by its parts. */
export interface PgPositions {
  /** Everything up to here is acknowledged by Kafka (or holds nothing captured): what the slot is confirmed to. */
  acked: bigint;
  /** Exactly-once: the position stored in Kafka with the last committed batch; transactions before it are skipped. */
  stored: bigint | null;
  /** The server's WAL end as last reported (for `cdc_lag_bytes`). */
  serverWalEnd: bigint;
}

/** A server keepalive received while something was pending (its position is the inbox item's `walStart`). */
interface KeepaliveMark {
  tag: 'keepalive';
}

interface OpenTransaction {
  xid: number;
  finalLsn: bigint;
  commitTimeMicros: number;
  order: number;
  counts: Map<string, number>;
  began: boolean;
}

export class PgChangeStream {
  private readonly models = new Map<number, TableModel>();
  private readonly inbox: { walStart: bigint; msg: PgOutputMessage | KeepaliveMark }[] = [];
  private inboxHead = 0;
  private pumping = false;
  private paused = false;
  private tx: OpenTransaction | null = null;
  private lastCommitLsn: bigint | null = null;
  private skipTx = false;
  /** The keepalive position last pushed as a checkpoint (one at a time is in the sink). */
  private keepalivePushed = 0n;
  repl: ReplicationConnection | null = null;
  /** Signals and incremental snapshots (`signal` configured). */
  signals: PgIncrementalSnapshots | null = null;

  constructor(
    private readonly ctx: EngineContext,
    private readonly catalog: Catalog,
    private readonly opts: EnvelopeOptions & { tombstonesOnDelete: boolean },
    private readonly positions: PgPositions,
    /** The server asked for a reply: send the standby status now. */
    private readonly replyRequested: () => void,
  ) {}

  /** Still turning received messages into records. */
  get busy(): boolean {
    return this.pumping;
  }

  onReplication(m: ReplicationMessage): void {
    const p = this.positions;
    if (m.kind === 'keepalive') {
      if (m.walEnd > p.serverWalEnd) p.serverWalEnd = m.walEnd;
      // Nothing pending anywhere: everything the server sent before this keepalive is delivered.
      if (!this.tx && !this.pumping && this.inboxHead >= this.inbox.length && this.ctx.sink.idle && m.walEnd > p.acked) {
        p.acked = m.walEnd;
      } else if (m.walEnd > p.acked && this.ctx.phase !== 'failed') this.queueKeepalive(m.walEnd);
      if (m.replyRequested) this.replyRequested();
      return;
    }
    if (m.walEnd > p.serverWalEnd) p.serverWalEnd = m.walEnd;
    if (this.ctx.phase === 'failed') return;
    this.inbox.push({ walStart: m.walStart, msg: decodePgOutput(m.data) });
    // Backpressure: stop reading while decoded messages pile up (e.g. during a catalog look-up).
    if (this.inbox.length - this.inboxHead >= this.ctx.cfg.delivery.maxBufferedEvents) this.pauseReading();
    if (!this.pumping) void this.pump();
  }

  /**
   * Something is pending: the keepalive's position goes in order behind what was received before
   * it, and becomes a checkpoint (confirmed once Kafka has everything before it). Consecutive
   * keepalives waiting in the inbox collapse into the latest.
   */
  private queueKeepalive(walEnd: bigint): void {
    const last = this.inbox.length > this.inboxHead ? this.inbox[this.inbox.length - 1] : null;
    if (last?.msg.tag === 'keepalive') last.walStart = walEnd;
    else this.inbox.push({ walStart: walEnd, msg: { tag: 'keepalive' } });
    if (!this.pumping) void this.pump();
  }

  /** A keepalive's turn: outside a transaction, with no keepalive checkpoint still in the sink, it becomes one. */
  private keepalive(walEnd: bigint): void {
    if (this.tx || this.keepalivePushed > this.positions.acked || walEnd <= this.positions.acked) return;
    this.keepalivePushed = walEnd;
    this.ctx.sink.push({ checkpoint: walEnd, commitTimeMicros: Date.now() * 1000 });
  }

  private pauseReading(): void {
    if (this.paused || !this.repl) return;
    this.paused = true;
    this.repl.pause();
  }

  private resumeReadingIfRoom(): void {
    if (!this.paused || this.ctx.phase !== 'streaming') return;
    if (this.inbox.length - this.inboxHead >= this.ctx.cfg.delivery.maxBufferedEvents / 2 || !this.ctx.sink.hasSpace()) return;
    this.paused = false;
    this.repl?.resume();
  }

  private async pump(): Promise<void> {
    if (this.pumping || this.ctx.phase === 'failed') return;
    this.pumping = true;
    try {
      while (this.inboxHead < this.inbox.length) {
        const item = this.inbox[this.inboxHead];
        const msg = item.msg;
        if (msg.tag === 'relation') await this.onRelation(msg);
        else {
          const pending = this.handle(msg, item.walStart);
          if (pending) await pending; // a signal: stored before anything after it
        }
        this.inboxHead++;
        if (this.failed()) return;
        if (!this.ctx.sink.hasSpace()) {
          // Kafka is behind: stop reading and wait until the sink has room (memory stays bounded).
          this.pauseReading();
          await new Promise<void>((r) => this.ctx.sink.onSpace(r));
          if (this.failed()) return;
        }
        if (this.inboxHead >= 1024) {
          this.inbox.splice(0, this.inboxHead);
          this.inboxHead = 0;
        }
      }
      this.inbox.length = 0;
      this.inboxHead = 0;
      this.resumeReadingIfRoom();
    } catch (e) {
      this.ctx.fail(e as Error, 'decode');
    } finally {
      this.pumping = false;
    }
  }

  /** Read again after an await: the worker may have failed meanwhile. */
  private failed(): boolean {
    return this.ctx.phase === 'failed';
  }

  private async onRelation(msg: Extract<PgOutputMessage, { tag: 'relation' }>): Promise<void> {
    const catalogCols = await this.catalog.columns(msg.schema, msg.table).catch(() => []);
    const byName = new Map(catalogCols.map((c) => [c.name, c]));
    await this.catalog.loadTypes(msg.columns.map((c) => c.typeOid));
    const cols = msg.columns.map((c) => {
      const known = byName.get(c.name);
      return { name: c.name, typeOid: c.typeOid, typmod: c.typmod, notNull: known?.notNull ?? false, pkPosition: known?.pkPosition };
    });
    const model = buildTableModel(msg.schema, msg.table, cols, this.opts, (o) => this.catalog.type(o));
    this.models.set(msg.relationId, model);
    this.ctx.log.info({ table: `${msg.schema}.${msg.table}`, replicaIdentity: msg.replicaIdentity, columns: cols.length }, 'relation');
  }

  private position(lsn: bigint): SourcePosition {
    return { commitTimeMicros: this.tx!.commitTimeMicros, txId: this.tx!.xid, lsn, lastCommitLsn: this.lastCommitLsn, snapshot: 'false' };
  }

  private txBlock(model: TableModel): TransactionBlock | null {
    if (!this.opts.provideTransactionMetadata || !this.tx) return null;
    const tx = this.tx;
    if (!tx.began) {
      tx.began = true;
      this.ctx.sink.push(this.ctx.record(transactionRecord(this.opts, 'BEGIN', `${tx.xid}:${tx.finalLsn}`, Math.floor(tx.commitTimeMicros / 1000), null)));
    }
    const dc = `${model.schema}.${model.table}`;
    const n = (tx.counts.get(dc) ?? 0) + 1;
    tx.counts.set(dc, n);
    return { id: `${tx.xid}:${tx.finalLsn}`, total_order: ++tx.order, data_collection_order: n };
  }

  private model(relationId: number): TableModel {
    const m = this.models.get(relationId);
    if (!m) throw new Error(`change for relation ${relationId} before its Relation message`);
    return m;
  }

  private handle(msg: PgOutputMessage | KeepaliveMark, lsn: bigint): Promise<void> | void {
    switch (msg.tag) {
      case 'keepalive':
        return this.keepalive(lsn);
      case 'begin':
        return this.begin(msg);
      case 'insert':
      case 'update':
      case 'delete':
        return this.change(msg, lsn);
      case 'truncate':
        return this.truncate(msg, lsn);
      case 'commit':
        return this.commit(msg);
      default:
        return; // origin, type, message: nothing to emit
    }
  }

  private begin(msg: Extract<PgOutputMessage, { tag: 'begin' }>): void {
    // exactly-once: a transaction that committed before the stored position is in Kafka already
    this.skipTx = this.positions.stored !== null && msg.finalLsn < this.positions.stored;
    this.tx = { xid: msg.xid, finalLsn: msg.finalLsn, commitTimeMicros: msg.commitTimeMicros, order: 0, counts: new Map(), began: false };
    this.ctx.commitSeen(msg.commitTimeMicros);
    this.ctx.metrics.commitToReceive.observe(Math.max(0, Date.now() * 1000 - msg.commitTimeMicros) / 1e6);
  }

  private change(msg: Extract<PgOutputMessage, { tag: 'insert' | 'update' | 'delete' }>, lsn: bigint): Promise<void> | void {
    if (this.skipTx) return;
    const now = Date.now() * 1000;
    const model = this.model(msg.relationId);
    if (this.signals?.isSignalTable(model)) return this.signals.onSignalRow(msg, this.position(lsn), this.tx!.finalLsn);
    const op = msg.tag === 'insert' ? 'c' : msg.tag === 'update' ? 'u' : 'd';
    const before = msg.tag === 'insert' ? null : msg.oldTuple;
    const after = msg.tag === 'delete' ? null : msg.newTuple;
    const tb = this.txBlock(model);
    for (const r of changeRecords(model, { op, before, after }, this.position(lsn), this.opts, now, tb)) this.ctx.sink.push(this.ctx.record(r));
    this.ctx.metrics.events.inc({ table: `${model.schema}.${model.table}`, op });
    this.signals?.touched(model, before, after, this.tx?.xid);
  }

  private truncate(msg: Extract<PgOutputMessage, { tag: 'truncate' }>, lsn: bigint): void {
    if (!this.ctx.cfg.output.includeTruncate || this.skipTx) return;
    const now = Date.now() * 1000;
    for (const id of msg.relationIds) {
      const model = this.model(id);
      this.signals?.truncated(model);
      this.txBlock(model);
      this.ctx.sink.push(this.ctx.record(truncateRecord(model, this.position(lsn), this.opts, now)));
      this.ctx.metrics.events.inc({ table: `${model.schema}.${model.table}`, op: 't' });
    }
  }

  private commit(msg: Extract<PgOutputMessage, { tag: 'commit' }>): void {
    if (this.skipTx) {
      this.skipTx = false;
      this.tx = null;
      this.ctx.metrics.skipped.inc();
      return;
    }
    if (this.tx?.began) {
      this.ctx.sink.push(
        this.ctx.record(transactionRecord(this.opts, 'END', `${this.tx.xid}:${this.tx.finalLsn}`, Math.floor(this.tx.commitTimeMicros / 1000), this.tx.counts)),
      );
    }
    this.ctx.sink.push({ checkpoint: msg.endLsn, commitTimeMicros: msg.commitTimeMicros });
    this.lastCommitLsn = msg.commitLsn;
    this.tx = null;
  }
}
