/**
 * Writes an engine's acknowledged offset to its {@link OffsetStore}, one write at a time, at most
 * one queued behind it (which writes what is acknowledged when it runs). Through a Kafka outage a
 * failed write is left to the next call (the engine's status interval), which writes what is
 * acknowledged by then, until `kafka.outageTimeoutMs` has passed since the first failed write (as
 * the sink resends a batch); other errors, and an outage beyond that, are fatal.
 */
import type { Logger } from 'pino';
import type { OffsetStore } from '../core/offsets';
import { isTransientKafkaError } from './errors';

export interface OffsetWriterOptions<T> {
  readonly log: Logger;
  /** `kafka.outageTimeoutMs`. */
  readonly outageTimeoutMs: number;
  /** Still reading from the source: an outage is ridden through only then. */
  readonly reading: () => boolean;
  readonly fail: (err: Error, kind: string) => void;
  /** The fields of the `offset stored` debug line. */
  readonly describe: (offset: T) => Record<string, unknown>;
}

export class OffsetWriter<T> {
  /** The newest offset Kafka has acknowledged everything before. */
  acked: T | null = null;
  private saved: T | null = null;
  private saving: Promise<void> = Promise.resolve();
  private saveQueued = false;
  /** Storing fails because Kafka is unreachable: since when (the failed write's start), and how often. */
  private outage: { since: number; attempts: number } | null = null;

  constructor(
    private readonly store: OffsetStore<T>,
    private readonly options: OffsetWriterOptions<T>,
  ) {}

  /** Starts from an offset already stored (nothing to write until it moves). */
  resumeFrom(offset: T): void {
    this.acked = offset;
    this.saved = offset;
  }

  /** Writes the acknowledged offset if it moved. */
  save(): Promise<void> {
    if (!this.acked || this.acked === this.saved || this.saveQueued) return this.saving;
    this.saveQueued = true;
    this.saving = this.saving.then(() => this.write());
    return this.saving;
  }

  private async write(): Promise<void> {
    const { log, outageTimeoutMs: giveUpAfterMs } = this.options;
    this.saveQueued = false;
    const off = this.acked;
    if (!off || off === this.saved) return;
    const t0 = Date.now();
    try {
      await this.store.save(off);
      this.saved = off;
      log.debug(this.options.describe(off), 'offset stored');
      if (this.outage) {
        log.info({ outageMs: Date.now() - this.outage.since, attempts: this.outage.attempts + 1 }, 'Kafka available again; offset stored');
        this.outage = null;
      }
    } catch (e) {
      const outage = (this.outage ??= { since: t0, attempts: 0 });
      outage.attempts++;
      const outageMs = Date.now() - outage.since;
      const transient = isTransientKafkaError(e);
      if (transient && outageMs < giveUpAfterMs && this.options.reading()) {
        log.warn({ err: (e as Error).message, attempt: outage.attempts, outageMs, giveUpAfterMs }, 'Kafka unavailable; storing the offset again');
        // the next write starts with a new producer (one whose connect failed would not send)
        await this.store.close();
        return;
      }
      const why = transient ? ` (Kafka unavailable for ${Math.round(outageMs / 1000)} s, beyond kafka.outageTimeoutMs ${giveUpAfterMs})` : '';
      this.options.fail(new Error(`storing the offset in ${this.store.topic} failed${why}: ${(e as Error).message}`), 'kafka');
    }
  }
}
