/** The source lease every engine takes before it reads (core/lease.ts): one reader per source during a rollout overlap. */
import { Writable } from 'stream';
import pino from 'pino';
import { acquireLease, SourceLease } from '../../../lib/cdc-worker/core/lease';

function logger() {
  const lines: { level: string; msg: string; [k: string]: unknown }[] = [];
  const log = pino(
    { level: 'debug', formatters: { level: (label) => ({ level: label }) } },
    new Writable({
      write(chunk, _enc, cb) {
        lines.push(JSON.parse(chunk.toString()));
        cb();
      },
    }),
  );
  return { log, lines };
}

/** A lease another session holds for the first `busy` tries. */
const lease = (busy: number): SourceLease & { tries: number } => ({
  name: 'test lock on source x',
  tries: 0,
  async tryAcquire() {
    return ++this.tries > busy;
  },
});

describe('acquireLease', () => {
  test('audit #25: a free lease is taken at once, with no waiting line', async () => {
    const { log, lines } = logger();
    const l = lease(0);
    await acquireLease(l, log, () => true, 5);
    expect(l.tries).toBe(1);
    expect(lines.map((x) => x.msg)).toEqual(['source lease acquired']);
  });

  test('audit #25: a lease another worker holds is waited for, said once with what is waited for, then taken', async () => {
    const { log, lines } = logger();
    const l = lease(3);
    await acquireLease(l, log, () => true, 5);
    expect(l.tries).toBe(4);
    expect(lines).toEqual([
      expect.objectContaining({ level: 'warn', msg: 'waiting for the source lease: another worker holds it', lease: 'test lock on source x', retryMs: 5 }),
      expect.objectContaining({ level: 'info', msg: 'source lease acquired', lease: 'test lock on source x', waitedMs: expect.any(Number) }),
    ]);
  });

  test('audit #25: a worker stopped while it waits gives up (start fails) instead of taking the lease later', async () => {
    const { log } = logger();
    let starting = true;
    const waiting = acquireLease(lease(1000), log, () => starting, 5);
    starting = false;
    await expect(waiting).rejects.toThrow('stopped while waiting for the source lease (test lock on source x)');
  });
});
