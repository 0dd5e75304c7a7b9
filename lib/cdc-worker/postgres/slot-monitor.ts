/**
 * Watching the replication slot from the server's side (issue 19 item 4), on a connection of its
 * own so that a slow answer never holds up the stream or the catalog look-ups:
 *
 * - every `source.slotMonitorIntervalMs`, `pg_replication_slots` gives the WAL the slot makes the
 *   server keep (`pg_current_wal_lsn() - restart_lsn`) and its confirmed position; both become
 *   metrics (`cdc_slot_retained_wal_bytes`, `cdc_slot_confirmed_flush_age_seconds`) and a
 *   `replication slot status` log line, which the `CdcWorkerAlerts` construct's log-based metrics
 *   read on Cloud Run;
 * - at each heartbeat, `output.heartbeatActionQuery` (Debezium's `heartbeat.action.query`), if set.
 *
 * Nothing here is fatal: a failed read or action query is logged and tried again next time.
 */
import { Client } from 'pg';
import { Gauge } from 'prom-client';
import type { Logger } from 'pino';
import type { EngineContext } from '../core/worker';
import { clientConfig } from './catalog';
import { formatLsn, parseLsn } from './protocol';

/** One reading of the slot. */
export interface SlotReading {
  /** The server's WAL position now (`pg_current_wal_lsn()`, on a standby the last received). */
  current: bigint;
  restart: bigint | null;
  confirmed: bigint | null;
  /** What the slot's walsender has sent (`pg_stat_replication.sent_lsn`), null when no session reads the slot. */
  sent: bigint | null;
  walStatus: string | null;
}

/** At most this many readings are kept while the slot is behind (the oldest one always stays). */
const MAX_SAMPLES = 1000;

/**
 * How long WAL has been waiting for the slot's confirmation: the time since the first reading
 * that saw the server's WAL past the confirmed position (a lower bound, at the reading interval),
 * 0 while the slot is caught up. Caught up: confirmed at or past the server's WAL position, or,
 * on a server whose WAL did not move since the previous reading, at or past what the walsender
 * sent (the server's position can sit a page header past the last record).
 */
export class ConfirmedFlushAge {
  private samples: { at: number; current: bigint }[] = [];
  private previous: bigint | null = null;

  /** Takes a reading made at `at` (ms); returns the time since when WAL waits, null when caught up. */
  update(at: number, r: Pick<SlotReading, 'current' | 'confirmed' | 'sent'>): number | null {
    const still = this.previous === r.current;
    this.previous = r.current;
    const caughtUp = r.confirmed !== null && (r.confirmed >= r.current || (still && r.sent !== null && r.confirmed >= r.sent));
    if (caughtUp) {
      this.samples = [];
      return null;
    }
    this.samples.push({ at, current: r.current });
    const confirmed = r.confirmed ?? -1n;
    while (this.samples.length > 1 && this.samples[0].current <= confirmed) this.samples.shift();
    if (this.samples.length > MAX_SAMPLES) this.samples.splice(1, 1);
    return this.samples[0].at;
  }
}

const READ_SLOT = `SELECT (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_receive_lsn() ELSE pg_current_wal_lsn() END)::text AS current,
  s.restart_lsn::text AS restart, s.confirmed_flush_lsn::text AS confirmed, s.wal_status::text AS wal_status, r.sent_lsn::text AS sent
FROM pg_replication_slots s LEFT JOIN pg_stat_replication r ON r.pid = s.active_pid
WHERE s.slot_name = $1`;

const lsnOrNull = (v: string | null | undefined) => (v ? parseLsn(v) : null);

/** A lazily opened ordinary connection; dropped after an error and opened again on next use. */
class SideConnection {
  private client: Promise<Client> | null = null;

  constructor(private readonly ctx: EngineContext) {}

  async query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    if (!this.client) this.client = this.open();
    try {
      return (await (await this.client).query(sql, params)).rows as T[];
    } catch (e) {
      void this.close();
      throw e;
    }
  }

  private async open(): Promise<Client> {
    const c = new Client(clientConfig(this.ctx.cfg.source, { application_name: 'cdc-worker monitor' }));
    c.on('error', () => void this.close()); // the server going away: opened again next time
    await c.connect();
    return c;
  }

  async close(): Promise<void> {
    const c = this.client;
    this.client = null;
    if (c) await c.then((x) => x.end()).catch(() => undefined);
  }
}

/** The slot's metrics and status line, and the heartbeat action query. */
export class SlotMonitor {
  private readonly side: SideConnection;
  private readonly age = new ConfirmedFlushAge();
  private timer: NodeJS.Timeout | null = null;
  private reading: Promise<void> | null = null;
  private actionRunning = false;
  private retained = 0;
  private waitingSince: number | null = null;
  private readonly log: Logger;

  constructor(private readonly ctx: EngineContext) {
    this.side = new SideConnection(ctx);
    this.log = ctx.log;
    const registers = [ctx.metrics.registry];
    const gauge = (name: string, help: string, read: () => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(read());
        },
      });
    gauge(
      'cdc_slot_retained_wal_bytes',
      'WAL the replication slot makes the server keep: pg_current_wal_lsn() - restart_lsn, as last read',
      () => this.retained,
    );
    gauge('cdc_slot_confirmed_flush_age_seconds', "Seconds WAL has been waiting for the slot's confirmed flush position (0 when caught up)", () =>
      this.ageSeconds(),
    );
  }

  /** Seconds WAL has been waiting for confirmation now (0 when caught up). */
  ageSeconds(now = Date.now()): number {
    return this.waitingSince === null ? 0 : Math.max(0, (now - this.waitingSince) / 1000);
  }

  /** First reading now, then every `source.slotMonitorIntervalMs` (0: never). */
  start(): void {
    const every = this.ctx.cfg.source.slotMonitorIntervalMs;
    if (every <= 0) return;
    void this.read();
    this.timer = setInterval(() => void this.read(), every);
  }

  /** Reads the slot once (a reading still running is not started twice). */
  read(): Promise<void> {
    if (!this.reading) this.reading = this.readOnce().finally(() => (this.reading = null));
    return this.reading;
  }

  private async readOnce(): Promise<void> {
    const slot = this.ctx.cfg.source.slotName;
    let rows: Record<string, string | null>[];
    try {
      rows = await this.side.query<Record<string, string | null>>(READ_SLOT, [slot]);
    } catch (e) {
      this.log.warn({ slot, err: (e as Error).message }, 'replication slot status not readable');
      return;
    }
    if (rows.length === 0) {
      this.log.warn({ slot }, 'replication slot status: the slot does not exist');
      return;
    }
    const r = rows[0];
    const reading: SlotReading = {
      current: parseLsn(r.current!),
      restart: lsnOrNull(r.restart),
      confirmed: lsnOrNull(r.confirmed),
      sent: lsnOrNull(r.sent),
      walStatus: r.wal_status,
    };
    const now = Date.now();
    this.retained = reading.restart === null ? 0 : Math.max(0, Number(reading.current - reading.restart));
    this.waitingSince = this.age.update(now, reading);
    const fields = {
      slot,
      retainedWalBytes: this.retained,
      confirmedFlushAgeSeconds: Math.round(this.ageSeconds(now)),
      confirmedFlushLsn: reading.confirmed === null ? null : formatLsn(reading.confirmed),
      restartLsn: reading.restart === null ? null : formatLsn(reading.restart),
      walStatus: reading.walStatus,
    };
    // `unreserved`: past max_slot_wal_keep_size, the WAL may go at the next checkpoint; `lost`: it went
    if (reading.walStatus === 'unreserved' || reading.walStatus === 'lost') this.log.warn(fields, 'replication slot status');
    else this.log.info(fields, 'replication slot status');
  }

  /** Runs `output.heartbeatActionQuery` (if set and the previous one has finished). */
  afterHeartbeat(): void {
    const sql = this.ctx.cfg.output.heartbeatActionQuery;
    if (!sql || sql.trim() === '' || this.actionRunning) return;
    this.actionRunning = true;
    this.side
      .query(sql)
      .catch((e: Error) => this.log.warn({ err: e.message }, 'heartbeat action query failed'))
      .finally(() => (this.actionRunning = false));
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.reading?.catch(() => undefined);
    await this.side.close();
  }
}
