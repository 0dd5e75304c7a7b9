/**
 * One reader per source (audit #25): Cloud Run may run two instances of the worker for a while
 * (the old and the new revision during a rollout, or briefly more than `maxInstances`). Before an
 * engine reads its position or opens its stream it takes a lease held by its own database session
 * (PostgreSQL: an advisory lock keyed by the slot; MySQL/MariaDB: a named lock), so a second worker
 * waits until the first one's session ends, then starts from the position the first one left. The
 * lease goes with the session: a worker that dies releases it without any clean-up.
 */
import type { Logger } from 'pino';
import { sleep } from './time';

/** An engine's lease on its source, held by a session of its own. */
export interface SourceLease {
  /** What is held, for the log lines (e.g. the lock and the slot it stands for). */
  readonly name: string;
  /** Takes the lease if it is free; false when another session holds it. Does not wait. */
  tryAcquire(): Promise<boolean>;
}

/** How often a waiting worker tries the lease again. */
export const LEASE_POLL_MS = 2000;

/**
 * Takes the lease, waiting (and saying so, once) while another worker holds it. Gives up with an
 * error when the worker stops meanwhile (`starting()` turns false).
 */
export async function acquireLease(lease: SourceLease, log: Logger, starting: () => boolean, pollMs = LEASE_POLL_MS): Promise<void> {
  const t0 = Date.now();
  let waiting = false;
  while (!(await lease.tryAcquire())) {
    if (!starting()) throw new Error(`stopped while waiting for the source lease (${lease.name})`);
    if (!waiting) {
      log.warn({ lease: lease.name, retryMs: pollMs }, 'waiting for the source lease: another worker holds it');
      waiting = true;
    }
    await sleep(pollMs);
  }
  log.info({ lease: lease.name, waitedMs: Date.now() - t0 }, 'source lease acquired');
}
