/**
 * The CDC worker: PostgreSQL (pgoutput) → Debezium-format events → Kafka, at least once.
 *
 * Delivery rule: the slot's confirmed position only moves to a transaction's end LSN after Kafka
 * has acknowledged every record of that transaction and of all before it (the sink's checkpoints),
 * or — when nothing is pending at all — to the position of a server keepalive.
 */
import { Client } from 'pg';
import { Logger } from 'pino';
import { Server } from 'http';
import { ResolvedCdcWorkerConfig } from './core/config';
import {
  EnvelopeOptions,
  OutRecord,
  SourcePosition,
  TableModel,
  TransactionBlock,
  buildTableModel,
  changeRecords,
  heartbeatRecord,
  transactionRecord,
  truncateRecord,
} from './postgres/envelope';
import { Catalog, clientConfig, quoteIdent, splitTable } from './postgres/catalog';
import { ReplicationConnection } from './postgres/replication';
import { readSnapshot } from './postgres/snapshot-query';
import { PgOutputMessage, ReplicationMessage, decodePgOutput, formatLsn } from './postgres/protocol';
import { KafkaSink } from './kafka/sink';
import { withDetection } from './kafka/screened-sink';
import { kafkaOutageLog } from './kafka/outage-log';
import type { CdcSink } from './core/sink';
import { WorkerMetrics } from './core/metrics';
import { startHttpServer } from './core/http';
import { MySqlCdcWorker } from './mysql/engine';

export { MySqlCdcWorker };

const SNAPSHOT_PENDING = 'cdc-worker: snapshot pending for slot ';

export class CdcWorker {
  private readonly opts: EnvelopeOptions & { tombstonesOnDelete: boolean };
  private readonly metrics = new WorkerMetrics();
  private catalogClient!: Client;
  private catalog!: Catalog;
  private repl: ReplicationConnection | null = null;
  private sink!: CdcSink;
  private http: Server | null = null;
  private readonly models = new Map<number, TableModel>();
  /** Decoded on arrival: pg reuses the buffer a CopyData payload points into. */
  private readonly inbox: { walStart: bigint; msg: PgOutputMessage }[] = [];
  private inboxHead = 0;
  private pumping = false;
  private paused = false;
  private tx: { xid: number; finalLsn: bigint; commitTimeMicros: number; order: number; counts: Map<string, number>; began: boolean } | null = null;
  private lastCommitLsn: bigint | null = null;
  /** Exactly-once: position stored in Kafka with the last committed batch. */
  private storedLsn: bigint | null = null;
  private skipTx = false;
  private ackedLsn = 0n;
  private sentLsn = -1n;
  private lastStatusAt = 0;
  private serverWalEnd = 0n;
  private oldestUnackedCommit: number | null = null;
  private timers: NodeJS.Timeout[] = [];
  private phase: 'starting' | 'snapshot' | 'streaming' | 'stopping' | 'failed' | 'stopped' = 'starting';
  private fatalError: Error | null = null;
  private stopping: Promise<void> | null = null;
  private done!: (code: number) => void;
  /** Resolves with the exit code when the worker has stopped. */
  readonly finished: Promise<number>;

  constructor(
    private readonly cfg: ResolvedCdcWorkerConfig,
    private readonly log: Logger,
  ) {
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
    this.finished = new Promise((r) => (this.done = r));
  }

  async start(): Promise<void> {
    const { source, output, delivery } = this.cfg;
    this.http = await startHttpServer(this.cfg.http.host, this.cfg.http.port, this.metrics, this, this.log);
    this.metrics.sources = {
      lagSeconds: () => (this.oldestUnackedCommit === null ? 0 : Math.max(0, Date.now() / 1000 - this.oldestUnackedCommit / 1e6)),
      lagBytes: () => (this.serverWalEnd > this.ackedLsn ? Number(this.serverWalEnd - this.ackedLsn) : 0),
      buffered: () => (this.sink ? this.sink.pendingRecords : 0),
    };

    this.catalogClient = new Client(clientConfig(source));
    // The server going away (restart, failover) ends this idle connection with an 'error' event;
    // unhandled, it would crash the process without a word. Stop cleanly instead (exit 1; the
    // supervisor starts the worker again, which resumes from the slot).
    this.catalogClient.on('error', (e) => this.fail(e, 'postgres'));
    await this.catalogClient.connect();
    this.catalog = new Catalog(this.catalogClient);

    const pub = await this.catalog.ensurePublication(source.publicationName, source.tables);
    this.log.info({ publication: source.publicationName, ...pub }, 'publication ready');

    this.sink = withDetection(new KafkaSink(this.cfg.kafka, delivery.maxBufferedEvents, {
      onCheckpoint: (lsn, commitTimeMicros) => this.onCheckpoint(lsn, commitTimeMicros),
      onBatch: (n, bytes, ms) => {
        this.metrics.acked.inc(n);
        this.metrics.ackedBytes.inc(bytes);
        this.metrics.batchSeconds.observe(ms / 1000);
      },
      onFatal: (e) => this.fail(e, 'kafka'),
      // a Kafka outage: the sink sends the batch again (up to kafka.outageTimeoutMs); reading pauses meanwhile
      ...kafkaOutageLog(this.log, this.cfg.kafka.outageTimeoutMs),
    }, { ...delivery, positionKey: source.slotName }), this.cfg.detection, delivery.maxBufferedEvents, this.metrics, (e) => this.fail(e, 'detect'));
    await this.sink.connect();
    const topics = source.tables.map((t) => `${output.topicPrefix}.${t}`);
    if (output.heartbeatIntervalMs > 0) topics.push(`${output.heartbeatTopicsPrefix}.${output.topicPrefix}`);
    if (output.provideTransactionMetadata) topics.push(`${output.topicPrefix}.transaction`);
    try {
      await this.sink.ensureTopics(topics);
    } catch (e) {
      this.log.warn({ err: (e as Error).message, topics }, 'could not create topics; they must exist already');
    }

    let slot = await this.catalog.slot(source.slotName);
    if (slot && (await this.snapshotPending())) {
      this.log.warn({ slot: source.slotName }, 'previous initial snapshot did not finish: dropping the slot and starting over');
      await this.catalog.dropSlot(source.slotName);
      slot = null;
    }
    for (let attempt = 0; slot?.active && attempt < 30; attempt++) {
      this.log.warn({ slot: source.slotName }, 'slot is in use by another connection; waiting');
      await sleep(2000);
      slot = await this.catalog.slot(source.slotName);
    }
    if (slot?.active) throw new Error(`replication slot ${source.slotName} stays in use by another connection`);

    this.repl = new ReplicationConnection(source);
    await this.repl.connect();
    if (!slot) {
      await this.markSnapshot(true);
      const created = await this.repl.createSlot(source.slotName);
      this.ackedLsn = created.consistentPoint;
      this.log.info({ slot: source.slotName, consistentPoint: formatLsn(created.consistentPoint), snapshot: created.snapshotName }, 'replication slot created');
      if (source.snapshotMode === 'initial') {
        this.phase = 'snapshot';
        await this.snapshot(created.snapshotName, created.consistentPoint);
        await this.sink.flush();
        if (this.fatalError) throw this.fatalError;
      }
      await this.markSnapshot(false);
    } else {
      this.ackedLsn = slot.confirmedFlushLsn ?? 0n;
      this.log.info({ slot: source.slotName, confirmedFlushLsn: formatLsn(this.ackedLsn) }, 'reusing replication slot');
    }
    if (delivery.mode === 'exactly-once') {
      this.storedLsn = await this.sink.storedPosition();
      if (this.storedLsn !== null && this.storedLsn > this.ackedLsn) {
        // Kafka already holds everything up to there: skip it when the slot sends it again.
        this.log.info({ stored: formatLsn(this.storedLsn), slot: formatLsn(this.ackedLsn) }, 'exactly-once: resuming from the position stored in Kafka');
        this.ackedLsn = this.storedLsn;
      }
    }
    this.sentLsn = -1n;

    this.phase = 'streaming';
    this.repl.start(source.slotName, source.publicationName, (m) => this.onReplication(m), (e) => this.fail(e, 'postgres'));
    this.log.info({ from: formatLsn(this.ackedLsn) }, 'streaming started');
    this.timers.push(setInterval(() => this.sendStatus(false), delivery.statusIntervalMs));
    if (output.heartbeatIntervalMs > 0) {
      this.timers.push(
        setInterval(() => {
          this.sink.push(this.recordItem(heartbeatRecord(output.heartbeatTopicsPrefix, this.opts, Date.now())));
          this.sink.push({ checkpoint: this.ackedLsn, commitTimeMicros: Date.now() * 1000 });
        }, output.heartbeatIntervalMs),
      );
    }
  }

  // ----- probes -----
  healthy(): boolean {
    return this.phase !== 'failed';
  }

  ready(): boolean {
    return this.phase === 'streaming';
  }

  status(): Record<string, unknown> {
    return {
      phase: this.phase,
      confirmedLsn: formatLsn(this.ackedLsn),
      bufferedRecords: this.sink?.pendingRecords ?? 0,
      error: this.fatalError?.message,
    };
  }

  // ----- snapshot -----

  /** The publication's comment marks a snapshot in progress so a crash during it is detected. */
  private async markSnapshot(pending: boolean): Promise<void> {
    const { publicationName, slotName } = this.cfg.source;
    const text = pending ? `'${SNAPSHOT_PENDING}${slotName}'` : 'NULL';
    try {
      await this.catalogClient.query(`COMMENT ON PUBLICATION ${quoteIdent(publicationName)} IS ${text}`);
    } catch (e) {
      if (pending) this.log.warn({ err: (e as Error).message }, 'cannot mark the snapshot as pending (not the publication owner); a crash during the snapshot needs the slot dropped by hand');
    }
  }

  private async snapshotPending(): Promise<boolean> {
    const res = await this.catalogClient.query(
      `SELECT obj_description(oid, 'pg_publication') AS c FROM pg_publication WHERE pubname = $1`,
      [this.cfg.source.publicationName],
    );
    return res.rows[0]?.c === `${SNAPSHOT_PENDING}${this.cfg.source.slotName}`;
  }

  private async snapshot(snapshotName: string, consistentPoint: bigint): Promise<void> {
    const tables: { schema: string; table: string; columns: string[]; model: TableModel }[] = [];
    for (const qualified of this.cfg.source.tables) {
      const [schema, table] = splitTable(qualified);
      const cols = await this.catalog.columns(schema, table);
      const model = buildTableModel(schema, table, cols, this.opts, (o) => this.catalog.type(o));
      tables.push({ schema, table, columns: cols.map((c) => c.name), model });
    }
    const startedMicros = Date.now() * 1000;
    const byName = new Map(tables.map((t) => [`${t.schema}.${t.table}`, t.model]));
    let first = true;
    let firstInTable = true;
    const lastTable = tables.length ? `${tables[tables.length - 1].schema}.${tables[tables.length - 1].table}` : '';
    let total = 0;
    this.log.info({ tables: tables.map((t) => `${t.schema}.${t.table}`) }, 'initial snapshot started');
    await readSnapshot(
      this.cfg.source,
      snapshotName,
      tables,
      (schema, table, n) => {
        firstInTable = true;
        this.log.info({ table: `${schema}.${table}`, rows: n }, 'snapshotting table');
      },
      (schema, table, row, last) => {
        const name = `${schema}.${table}`;
        const model = byName.get(name)!;
        const marker: SourcePosition['snapshot'] =
          last && name === lastTable ? 'last' : first ? 'first' : firstInTable ? 'first_in_data_collection' : last ? 'last_in_data_collection' : 'true';
        first = false;
        firstInTable = false;
        const pos: SourcePosition = { commitTimeMicros: startedMicros, txId: null, lsn: consistentPoint, lastCommitLsn: null, snapshot: marker };
        for (const r of changeRecords(model, { op: 'r', before: null, after: row }, pos, this.opts, Date.now() * 1000)) this.sink.push(this.recordItem(r));
        this.metrics.events.inc({ table: name, op: 'r' });
        this.metrics.snapshotRows.inc({ table: name });
        total++;
        // lets exactly-once mode commit the snapshot in pieces (the position does not move)
        if (total % this.cfg.kafka.batchSize === 0) this.sink.push({ checkpoint: consistentPoint, commitTimeMicros: startedMicros });
        if (this.fatalError) throw this.fatalError;
        return this.sink.waitForSpace() ?? undefined;
      },
    );
    this.sink.push({ checkpoint: consistentPoint, commitTimeMicros: startedMicros });
    this.log.info({ rows: total }, 'initial snapshot read; waiting for Kafka');
  }

  // ----- streaming -----

  private recordItem(record: OutRecord) {
    const bytes = (record.value ? Buffer.byteLength(record.value) : 0) + (record.key ? Buffer.byteLength(record.key) : 0);
    if (bytes > this.cfg.output.maxEventBytes) {
      throw new Error(`event for ${record.topic} is ${bytes} bytes, above output.maxEventBytes (${this.cfg.output.maxEventBytes})`);
    }
    return { record, bytes };
  }

  private onReplication(m: ReplicationMessage): void {
    if (m.kind === 'keepalive') {
      if (m.walEnd > this.serverWalEnd) this.serverWalEnd = m.walEnd;
      // Nothing pending anywhere: everything the server sent before this keepalive is delivered.
      if (!this.tx && !this.pumping && this.inboxHead >= this.inbox.length && this.sink.idle && m.walEnd > this.ackedLsn) {
        this.ackedLsn = m.walEnd;
      }
      if (m.replyRequested) this.sendStatus(true);
      return;
    }
    if (m.walEnd > this.serverWalEnd) this.serverWalEnd = m.walEnd;
    if (this.phase === 'failed') return;
    this.inbox.push({ walStart: m.walStart, msg: decodePgOutput(m.data) });
    // Backpressure: stop reading while decoded messages pile up (e.g. during a catalog look-up).
    if (this.inbox.length - this.inboxHead >= this.cfg.delivery.maxBufferedEvents) this.pauseReading();
    if (!this.pumping) void this.pump();
  }

  private pauseReading(): void {
    if (this.paused || !this.repl) return;
    this.paused = true;
    this.repl.pause();
  }

  private resumeReadingIfRoom(): void {
    if (!this.paused || this.phase !== 'streaming') return;
    if (this.inbox.length - this.inboxHead >= this.cfg.delivery.maxBufferedEvents / 2 || !this.sink.hasSpace()) return;
    this.paused = false;
    this.repl?.resume();
  }

  private async pump(): Promise<void> {
    if (this.pumping || this.phase === 'failed') return;
    this.pumping = true;
    try {
      while (this.inboxHead < this.inbox.length) {
        const item = this.inbox[this.inboxHead];
        const msg = item.msg;
        if (msg.tag === 'relation') await this.onRelation(msg);
        else this.handle(msg, item.walStart);
        this.inboxHead++;
        if ((this.phase as string) === 'failed') return;
        if (!this.sink.hasSpace()) {
          // Kafka is behind: stop reading and wait until the sink has room (memory stays bounded).
          this.pauseReading();
          await new Promise<void>((r) => this.sink.onSpace(r));
          if ((this.phase as string) === 'failed') return;
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
      this.fail(e as Error, 'decode');
    } finally {
      this.pumping = false;
    }
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
    this.log.info({ table: `${msg.schema}.${msg.table}`, replicaIdentity: msg.replicaIdentity, columns: cols.length }, 'relation');
  }

  private position(lsn: bigint): SourcePosition {
    return { commitTimeMicros: this.tx!.commitTimeMicros, txId: this.tx!.xid, lsn, lastCommitLsn: this.lastCommitLsn, snapshot: 'false' };
  }

  private txBlock(model: TableModel): TransactionBlock | null {
    if (!this.opts.provideTransactionMetadata || !this.tx) return null;
    const tx = this.tx;
    if (!tx.began) {
      tx.began = true;
      this.sink.push(this.recordItem(transactionRecord(this.opts, 'BEGIN', `${tx.xid}:${tx.finalLsn}`, Math.floor(tx.commitTimeMicros / 1000), null)));
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

  private handle(msg: PgOutputMessage, lsn: bigint): void {
    const now = Date.now() * 1000;
    switch (msg.tag) {
      case 'begin':
        // exactly-once: a transaction that committed before the stored position is in Kafka already
        this.skipTx = this.storedLsn !== null && msg.finalLsn < this.storedLsn;
        this.tx = { xid: msg.xid, finalLsn: msg.finalLsn, commitTimeMicros: msg.commitTimeMicros, order: 0, counts: new Map(), began: false };
        if (this.oldestUnackedCommit === null) this.oldestUnackedCommit = msg.commitTimeMicros;
        this.metrics.commitToReceive.observe(Math.max(0, Date.now() * 1000 - msg.commitTimeMicros) / 1e6);
        return;
      case 'insert':
      case 'update':
      case 'delete': {
        if (this.skipTx) return;
        const model = this.model(msg.relationId);
        const op = msg.tag === 'insert' ? 'c' : msg.tag === 'update' ? 'u' : 'd';
        const before = msg.tag === 'insert' ? null : msg.oldTuple;
        const after = msg.tag === 'delete' ? null : msg.newTuple;
        const tb = this.txBlock(model);
        for (const r of changeRecords(model, { op, before, after }, this.position(lsn), this.opts, now, tb)) this.sink.push(this.recordItem(r));
        this.metrics.events.inc({ table: `${model.schema}.${model.table}`, op });
        return;
      }
      case 'truncate':
        if (!this.cfg.output.includeTruncate || this.skipTx) return;
        for (const id of msg.relationIds) {
          const model = this.model(id);
          this.txBlock(model);
          this.sink.push(this.recordItem(truncateRecord(model, this.position(lsn), this.opts, now)));
          this.metrics.events.inc({ table: `${model.schema}.${model.table}`, op: 't' });
        }
        return;
      case 'commit':
        if (this.skipTx) {
          this.skipTx = false;
          this.tx = null;
          this.metrics.skipped.inc();
          return;
        }
        if (this.tx?.began) {
          this.sink.push(this.recordItem(transactionRecord(this.opts, 'END', `${this.tx.xid}:${this.tx.finalLsn}`, Math.floor(this.tx.commitTimeMicros / 1000), this.tx.counts)));
        }
        this.sink.push({ checkpoint: msg.endLsn, commitTimeMicros: msg.commitTimeMicros });
        this.lastCommitLsn = msg.commitLsn;
        this.tx = null;
        return;
      default:
        return; // origin, type, message: nothing to emit
    }
  }

  private onCheckpoint(lsn: bigint, commitTimeMicros: number): void {
    if (lsn > this.ackedLsn) this.ackedLsn = lsn;
    this.metrics.commitToAck.observe(Math.max(0, Date.now() * 1000 - commitTimeMicros) / 1e6);
    this.oldestUnackedCommit = this.sink.idle ? null : commitTimeMicros;
  }

  private sendStatus(force: boolean): void {
    if (!this.repl || this.phase === 'failed') return;
    const now = Date.now();
    if (!force && this.ackedLsn === this.sentLsn && now - this.lastStatusAt < 10000) return;
    this.repl.sendStatus(this.ackedLsn);
    this.sentLsn = this.ackedLsn;
    this.lastStatusAt = now;
    this.metrics.confirmedLsn.set(Number(this.ackedLsn));
  }

  // ----- stopping -----

  /** A fatal error: stop reading, acknowledge nothing more than what Kafka has, exit non-zero. */
  fail(err: Error, kind: string): void {
    if (this.phase === 'failed' || this.phase === 'stopped' || this.phase === 'stopping') {
      this.log.debug({ err: err.message, kind }, 'error while stopping');
      return;
    }
    this.metrics.errors.inc({ kind });
    this.fatalError = err;
    this.log.error({ err: err.message, kind, confirmedLsn: formatLsn(this.ackedLsn) }, 'fatal error; stopping without acknowledging undelivered changes');
    this.phase = 'failed';
    void this.shutdown(1);
  }

  /** Graceful stop (SIGTERM): stop reading, deliver what was read, acknowledge it, exit 0. */
  stop(): Promise<void> {
    if (this.phase === 'failed') return this.stopping ?? Promise.resolve();
    this.log.info('stopping: flushing and acknowledging');
    this.phase = 'stopping';
    return this.shutdown(0);
  }

  private shutdown(code: number): Promise<void> {
    if (this.stopping) return this.stopping;
    this.stopping = (async () => {
      this.timers.forEach((t) => clearInterval(t));
      this.repl?.pause();
      if (code === 0) {
        while (this.pumping) await sleep(10);
      }
      try {
        if (this.sink) await withTimeout(this.sink.close(), 20000);
      } catch (e) {
        this.log.warn({ err: (e as Error).message }, 'kafka close');
      }
      if (this.repl) {
        // Final status with exactly what Kafka acknowledged.
        const phase = this.phase;
        this.phase = 'stopping';
        this.sendStatus(true);
        this.phase = phase;
        await sleep(50);
        await this.repl.close();
      }
      await this.catalogClient?.end().catch(() => undefined);
      await new Promise<void>((r) => (this.http ? this.http.close(() => r()) : r()));
      this.log.info({ confirmedLsn: formatLsn(this.ackedLsn), code }, 'stopped');
      if ((this.phase as string) !== 'failed') this.phase = 'stopped';
      this.done(code);
    })();
    return this.stopping;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([p, new Promise<T>((_, rej) => setTimeout(() => rej(new Error(`timed out after ${ms} ms`)), ms).unref())]);
}

/** The worker for `cfg.source.engine`: {@link CdcWorker} for PostgreSQL, {@link MySqlCdcWorker} (binlog) for MySQL and MariaDB. */
export function createCdcWorker(cfg: ResolvedCdcWorkerConfig, log: Logger): CdcWorker | MySqlCdcWorker {
  return cfg.source.engine === 'mysql' || cfg.source.engine === 'mariadb' ? new MySqlCdcWorker(cfg, log) : new CdcWorker(cfg, log);
}
