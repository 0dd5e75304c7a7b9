/**
 * The PostgreSQL engine: logical replication (pgoutput) → Debezium-format events, at least once
 * (or exactly once, see `delivery.mode`).
 *
 * Delivery rule: the slot's confirmed position only moves to a transaction's end LSN after Kafka
 * has acknowledged every record of that transaction and of all before it (the sink's checkpoints),
 * or — when nothing is pending at all — to the position of a server keepalive.
 */
import { Client } from 'pg';
import type { EngineContext, SourceEngine } from '../core/worker';
import { sleep } from '../core/time';
import { Catalog, clientConfig } from './catalog';
import { EnvelopeOptions } from './envelope';
import { formatLsn } from './protocol';
import { ReplicationConnection } from './replication';
import { slotLease } from './lease';
import { markSnapshot, readInitialSnapshot, snapshotPending } from './snapshot';
import { PgIncrementalSnapshots, preparePublication } from './incremental';
import { dropLostSlot, snapshotsNewSlot, stopAfterSnapshot } from './snapshot-mode';
import { SlotMonitor } from './slot-monitor';
import { PgChangeStream, PgPositions } from './stream';

export class PostgresEngine implements SourceEngine {
  readonly positionKey: string;
  readonly lines = { fatal: 'fatal error; stopping without acknowledging undelivered changes', stopping: 'stopping: flushing and acknowledging' };
  private readonly opts: EnvelopeOptions & { tombstonesOnDelete: boolean };
  private catalogClient!: Client;
  private catalog!: Catalog;
  private repl: ReplicationConnection | null = null;
  private stream: PgChangeStream | null = null;
  private incremental: PgIncrementalSnapshots | null = null;
  private monitor: SlotMonitor | null = null;
  private readonly positions: PgPositions = { acked: 0n, stored: null, serverWalEnd: 0n };
  private sentLsn = -1n;
  private lastStatusAt = 0;

  constructor(private readonly ctx: EngineContext) {
    const { cfg } = ctx;
    this.positionKey = cfg.source.slotName;
    this.opts = {
      topicPrefix: cfg.output.topicPrefix,
      database: cfg.source.database,
      schemasEnable: cfg.output.schemasEnable,
      unknownTypes: cfg.output.unknownTypes,
      debeziumVersion: cfg.output.debeziumVersion,
      decimalHandlingMode: cfg.output.decimalHandlingMode,
      provideTransactionMetadata: cfg.output.provideTransactionMetadata,
      tombstonesOnDelete: cfg.output.tombstonesOnDelete,
    };
  }

  async start(): Promise<Record<string, unknown>> {
    const { ctx } = this;
    const { source, output } = ctx.cfg;
    this.catalogClient = new Client(clientConfig(source));
    // The server going away (restart, failover) ends this idle connection with an 'error' event;
    // unhandled, it would crash the process without a word. Stop cleanly instead (exit 1; the
    // supervisor starts the worker again, which resumes from the slot).
    this.catalogClient.on('error', (e) => ctx.fail(e, 'postgres'));
    await this.catalogClient.connect();
    // one reader per slot: a second worker (a rollout overlap) waits here until the first one's session ends
    await ctx.acquireLease(slotLease(this.catalogClient, source.slotName));
    this.catalog = new Catalog(this.catalogClient);

    if (ctx.cfg.signal) this.incremental = new PgIncrementalSnapshots(ctx, this.opts, ctx.cfg.signal.table);
    const pub = await preparePublication(ctx, this.catalogClient, this.catalog, this.incremental);
    ctx.log.info({ publication: source.publicationName, ...pub }, 'publication ready');
    await ctx.openSink(output.provideTransactionMetadata ? [`${output.topicPrefix}.transaction`] : []);

    const slot = await this.usableSlot();
    this.repl = new ReplicationConnection(source);
    await this.repl.connect();
    if (!slot) await this.createSlot();
    else {
      this.positions.acked = slot.confirmedFlushLsn ?? 0n;
      ctx.log.info({ slot: source.slotName, confirmedFlushLsn: formatLsn(this.positions.acked) }, 'reusing replication slot');
    }
    if (source.snapshotMode === 'initial_only') return stopAfterSnapshot(ctx, !slot);
    await this.resumeFromKafka();
    this.sentLsn = -1n;

    this.stream = new PgChangeStream(ctx, this.catalog, this.opts, this.positions, () => this.sendStatus(true));
    this.stream.repl = this.repl;
    await this.incremental?.start();
    this.stream.signals = this.incremental;
    const stream = this.stream;
    this.repl.start(
      source.slotName,
      source.publicationName,
      (m) => stream.onReplication(m),
      (e) => ctx.fail(e, 'postgres'),
    );
    this.monitor = new SlotMonitor(ctx);
    this.monitor.start();
    return { from: formatLsn(this.positions.acked) };
  }

  /** The slot if it exists and can be used: one left by an unfinished snapshot is dropped; one in use is waited for. */
  private async usableSlot(): Promise<{ confirmedFlushLsn: bigint | null; active: boolean } | null> {
    const { source } = this.ctx.cfg;
    let slot = await this.catalog.slot(source.slotName);
    if (slot && (await dropLostSlot(this.ctx, this.catalogClient, this.catalog))) slot = null;
    if (slot && (await snapshotPending(this.ctx, this.catalogClient))) {
      this.ctx.log.warn({ slot: source.slotName }, 'previous initial snapshot did not finish: dropping the slot and starting over');
      await this.catalog.dropSlot(source.slotName);
      slot = null;
    }
    for (let attempt = 0; slot?.active && attempt < 30; attempt++) {
      this.ctx.log.warn({ slot: source.slotName }, 'slot is in use by another connection; waiting');
      await sleep(2000);
      slot = await this.catalog.slot(source.slotName);
    }
    if (slot?.active) throw new Error(`replication slot ${source.slotName} stays in use by another connection`);
    return slot;
  }

  /** Creates the slot (exporting a snapshot) and, with `snapshotMode: initial`, reads the snapshot. */
  private async createSlot(): Promise<void> {
    const { ctx } = this;
    const { source } = ctx.cfg;
    await markSnapshot(ctx, this.catalogClient, true);
    const created = await this.repl!.createSlot(source.slotName);
    this.positions.acked = created.consistentPoint;
    ctx.log.info({ slot: source.slotName, consistentPoint: formatLsn(created.consistentPoint), snapshot: created.snapshotName }, 'replication slot created');
    if (snapshotsNewSlot(source.snapshotMode)) {
      ctx.enterSnapshot();
      await readInitialSnapshot(ctx, this.catalog, this.opts, created.snapshotName, created.consistentPoint);
      await ctx.sink.flush();
      if (ctx.fatalError) throw ctx.fatalError;
    }
    await markSnapshot(ctx, this.catalogClient, false);
  }

  /** Exactly-once: Kafka already holds everything up to the stored position; skip it when the slot sends it again. */
  private async resumeFromKafka(): Promise<void> {
    if (this.ctx.cfg.delivery.mode !== 'exactly-once') return;
    const p = this.positions;
    p.stored = await this.ctx.sink.storedPosition();
    if (p.stored !== null && p.stored > p.acked) {
      this.ctx.log.info({ stored: formatLsn(p.stored), slot: formatLsn(p.acked) }, 'exactly-once: resuming from the position stored in Kafka');
      p.acked = p.stored;
    }
  }

  onCheckpoint(position: bigint): void {
    if (position > this.positions.acked) this.positions.acked = position;
    this.incremental?.onCheckpoint(position);
  }

  confirmPosition(): void {
    this.sendStatus(false);
  }

  /** A heartbeat confirms the acknowledged position again (so a quiet slot's WAL can go) and runs `output.heartbeatActionQuery`. */
  afterHeartbeat(): void {
    this.ctx.sink.push({ checkpoint: this.positions.acked, commitTimeMicros: Date.now() * 1000 });
    this.monitor?.afterHeartbeat();
  }

  lagBytes(): number {
    const p = this.positions;
    return p.serverWalEnd > p.acked ? Number(p.serverWalEnd - p.acked) : 0;
  }

  /** Standby status with the acknowledged position; `final`: also after a fatal error (exactly what Kafka has). */
  private sendStatus(force: boolean, final = false): void {
    if (!this.repl || (this.ctx.phase === 'failed' && !final)) return;
    const now = Date.now();
    const acked = this.positions.acked;
    if (!force && acked === this.sentLsn && now - this.lastStatusAt < 10000) return;
    this.repl.sendStatus(acked);
    this.sentLsn = acked;
    this.lastStatusAt = now;
    this.ctx.metrics.confirmedLsn.set(Number(acked));
  }

  pauseSource(): void {
    this.incremental?.stop();
    this.repl?.pause();
  }

  async drain(): Promise<void> {
    while (this.stream?.busy) await sleep(10);
  }

  async close(): Promise<void> {
    await this.monitor?.stop();
    if (this.repl) {
      // Final status with exactly what Kafka acknowledged.
      this.sendStatus(true, true);
      await sleep(50);
      await this.repl.close();
    }
    await this.incremental?.close();
    await this.catalogClient?.end().catch(() => undefined);
  }

  status(): Record<string, unknown> {
    return { confirmedLsn: formatLsn(this.positions.acked) };
  }

  positionFields(): Record<string, unknown> {
    return { confirmedLsn: formatLsn(this.positions.acked) };
  }
}
