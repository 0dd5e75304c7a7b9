/**
 * Issue 19 item 4 on the real MariaDB and Kafka: a stored offset whose binlogs were purged while
 * the worker was down stops the worker at start, exit 1, with the error naming the position, the
 * server's oldest binlog and the way out, and nothing emitted; never a silent jump over the gap.
 *
 * PURGE BINARY LOGS needs BINLOG ADMIN, which the worker's user (cdc) does not have: the test
 * purges as root over the harness MariaDB's socket (test/infra/mariadb.sh: `$CDP_RUN/mariadb/mariadb.sock`).
 */
import { join } from 'path';
import { Connection, createConnection } from 'mysql2/promise';
import { runDir } from './infra';
import { Infra, readTopics, scratchName, writeConfigFile } from '../cdc-worker/harness';
import { MySqlInfra, deleteTopics, mariadb, mysqlInfra, mysqlWorkerConfig, startMysqlWorker } from '../cdc-worker/mysql-harness';

jest.setTimeout(240000);

const one = async <T>(c: Connection, sql: string): Promise<T> => ((await c.query(sql)) as unknown as [T[]])[0][0];

describe('cdc-worker: protection of the log (MariaDB)', () => {
  let env: MySqlInfra;
  let db: Connection;
  let root: Connection;
  const prefix = scratchName('cdcw_purge');
  const table = `purge_${prefix.slice(-10)}`;

  beforeAll(async () => {
    env = mysqlInfra();
    db = await mariadb(env);
    root = await createConnection({ socketPath: join(runDir(), 'mariadb', 'mariadb.sock'), user: 'root' });
    await db.query(`CREATE TABLE ${table} (id INT PRIMARY KEY, note VARCHAR(40))`);
    await db.query(`INSERT INTO ${table} VALUES (1, 'snapshot')`);
  });

  afterAll(async () => {
    await db?.query(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
    await db?.end();
    await root?.end();
    if (env) await deleteTopics(env, prefix);
  });

  test('a stored position whose binlog was purged stops the worker at start with the way out, nothing emitted', async () => {
    const tableTopic = `${prefix}.${env.MARIADB_DATABASE}.${table}`;
    const cfg = mysqlWorkerConfig(env, prefix, [`${env.MARIADB_DATABASE}.${table}`], { delivery: { statusIntervalMs: 200 } });
    const file = writeConfigFile(cfg);

    // 1. A first run stores an offset after the snapshot and one streamed row, and stops.
    const first = startMysqlWorker(file, env);
    await first.waitForLog(/"msg":"streaming started"/);
    await db.query(`INSERT INTO ${table} VALUES (2, 'streamed')`);
    await readTopics(env as unknown as Infra, [tableTopic], (rs) => rs.length >= 2, 60000);
    first.proc.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    const offsets = await readTopics(env as unknown as Infra, [`${prefix}.cdc-worker.offsets`], (rs) => rs.length > 0, 30000);
    const stored = JSON.parse(offsets[offsets.length - 1].value!) as { gtid: string; file: string };
    expect(stored.gtid).toMatch(/^\d+-\d+-\d+/);

    // 2. While it is down, changes are written and their binlogs purged.
    await db.query(`INSERT INTO ${table} VALUES (3, 'lost with the binlog'), (4, 'lost too')`);
    await db.query('FLUSH BINARY LOGS');
    const state = (await one<{ s: string }>(db, 'SELECT @@GLOBAL.gtid_binlog_state AS s')).s; // what the new binlog's Gtid_list holds
    const newest = (await one<{ File: string }>(db, 'SHOW MASTER STATUS')).File;
    // MariaDB keeps a binlog until its binlog checkpoint is written (just after the rotation): purge again until it goes
    let oldest = '';
    for (let i = 0; i < 50 && oldest !== newest; i++) {
      await root.query(`PURGE BINARY LOGS TO '${newest}'`);
      oldest = ((await db.query('SHOW BINARY LOGS')) as unknown as [{ Log_name: string }[]])[0][0].Log_name;
      if (oldest !== newest) await new Promise((r) => setTimeout(r, 200));
    }
    expect(oldest).toBe(newest);
    expect(stored.file < oldest).toBe(true);

    // 3. The next start stops, exit 1, naming the position, the oldest binlog and the way out.
    const second = startMysqlWorker(file, env);
    expect(await second.exited).toBe(1);
    const fatal = second.logs
      .flatMap((l) => (l.startsWith('{') ? [JSON.parse(l)] : []))
      .find((l) => l.msg === 'fatal error; stopping without storing undelivered changes');
    expect(fatal).toMatchObject({ kind: 'startup' });
    expect(fatal.err).toBe(
      `the stored offset's GTID position ${stored.gtid} (binlog file ${stored.file}) is older than the server's oldest binlog ${oldest}, which starts after ${state}. ` +
        "Changes after the stored offset were purged before the worker read them; streaming from the server's oldest binlog would skip them, so the worker stops. " +
        'Way out: take a new snapshot: ' +
        `delete the stored offset (key "mysql:${prefix}" in topic ${prefix}.cdc-worker.offsets) and start again with source.snapshotMode "initial" (source.snapshotMode "when_needed", which re-snapshots by itself when the stored position is gone, is PostgreSQL only for now). ` +
        'Keep binlogs longer than the worker can be down (binlog_expire_logs_seconds / expire_logs_days).',
    );
    expect(second.logs.some((l) => /"msg":"streaming started"|"msg":"resuming from the stored offset"/.test(l))).toBe(false);

    // Nothing emitted: the table's topic holds the first run's two events, the offset is unchanged.
    const events = await readTopics(env as unknown as Infra, [tableTopic], () => false, 5000);
    expect(events.map((e) => JSON.parse(e.value!).payload.after.id)).toEqual([1, 2]);
    const after = await readTopics(env as unknown as Infra, [`${prefix}.cdc-worker.offsets`], () => false, 5000);
    expect(JSON.parse(after[after.length - 1].value!).gtid).toBe(stored.gtid);
  });
});
