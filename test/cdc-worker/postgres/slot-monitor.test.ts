/**
 * The slot's confirmed-flush age (postgres/slot-monitor.ts): how long the server's WAL has been
 * waiting for the slot's confirmation, from successive readings of pg_replication_slots.
 * (The readings themselves come from the real PostgreSQL in test/integration/cdc-worker-slot.test.ts.)
 */
import { ConfirmedFlushAge } from '../../../lib/cdc-worker/postgres/slot-monitor';

const r = (current: bigint, confirmed: bigint | null, sent: bigint | null = null) => ({ current, confirmed, sent });

describe('confirmed flush age', () => {
  test('caught up (confirmed at the server position): no waiting', () => {
    const age = new ConfirmedFlushAge();
    expect(age.update(1000, r(0x100n, 0x100n))).toBeNull();
    expect(age.update(2000, r(0x200n, 0x200n))).toBeNull();
  });

  test('a slot that stops confirming: waiting since the first reading that saw WAL past the confirmed position', () => {
    const age = new ConfirmedFlushAge();
    expect(age.update(1000, r(0x100n, 0x100n))).toBeNull();
    expect(age.update(2000, r(0x200n, 0x100n))).toBe(2000);
    expect(age.update(3000, r(0x300n, 0x100n))).toBe(2000);
    expect(age.update(4000, r(0x400n, 0x100n))).toBe(2000);
  });

  test('a slot that confirms but stays behind: waiting since the first reading past what it confirmed', () => {
    const age = new ConfirmedFlushAge();
    age.update(1000, r(0x200n, 0x100n));
    age.update(2000, r(0x300n, 0x100n));
    age.update(3000, r(0x400n, 0x200n)); // the WAL of the first reading is confirmed now
    expect(age.update(4000, r(0x500n, 0x250n))).toBe(2000);
    expect(age.update(5000, r(0x600n, 0x450n))).toBe(4000); // the reading at 4000 saw 0x500, not confirmed yet
    expect(age.update(6000, r(0x600n, 0x600n))).toBeNull();
  });

  test("an idle server whose position sits past the last record counts as caught up once the walsender's position is confirmed", () => {
    const age = new ConfirmedFlushAge();
    expect(age.update(1000, r(0x118n, 0x100n, 0x100n))).toBe(1000); // WAL moved since: not known yet
    expect(age.update(2000, r(0x118n, 0x100n, 0x100n))).toBeNull(); // nothing new, all sent is confirmed
    expect(age.update(3000, r(0x118n, 0x0f0n, 0x100n))).toBe(3000); // sent but not confirmed
  });

  test('a slot without a confirmed position (being created) is waiting', () => {
    const age = new ConfirmedFlushAge();
    expect(age.update(1000, r(0x100n, null))).toBe(1000);
  });

  test('at most 1000 readings are kept while behind, the oldest stays', () => {
    const age = new ConfirmedFlushAge();
    for (let i = 1; i <= 5000; i++) age.update(i * 1000, r(BigInt(i) * 0x100n, 0n));
    expect(age.update(5001 * 1000, r(5001n * 0x100n, 0n))).toBe(1000);
    expect((age as unknown as { samples: unknown[] }).samples.length).toBeLessThanOrEqual(1001);
  });
});
