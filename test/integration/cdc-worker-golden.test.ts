/**
 * Golden comparison: the same tables and workload captured by Debezium's PostgreSQL connector on
 * a least-privileged Kafka Connect worker (test/integration/golden-connect.ts: a stack's Terraform
 * creates its SCRAM user and ACLs; it never logs in as the broker's super user) and by the CDC worker. Events are compared field by field (key,
 * before, after, op, value schema of the row, the source block, headers); the only differences allowed
 * are the documented ones in PG_GOLDEN_ALLOWED (test/cdc-worker/golden.ts: timings, positions).
 */
import { Client } from 'pg';
import { GoldenConnect } from './golden-connect';
import { goldenDifferences, pgGoldenAllowed, startDebeziumPostgres, stopDebeziumPostgres, waitForActiveSlot } from '../cdc-worker/golden';
import { Infra, cleanup, infra, pgClient, readTopics, scratchName, startWorker, workerConfig, writeConfigFile } from '../cdc-worker/harness';

jest.setTimeout(300000);

describe("cdc-worker events equal Debezium's (golden comparison)", () => {
  let env: Infra;
  let connect: GoldenConnect | undefined;
  let connectUrl: string;
  let pg: Client;
  const name = scratchName('cdcw_gold');
  const s = name;
  const dbzPrefix = `${name}_dbz`;
  const ourPrefix = `${name}_cdcw`;
  const dbzSlot = `${name}_dbz`;

  beforeAll(async () => {
    env = infra();
    // Debezium runs on a Connect worker of this test's own, as the Connect user the stack creates
    connect = new GoldenConnect({ run: `gold${Date.now().toString(36).slice(-5)}`, port: 18291, produce: [`${dbzPrefix}.`] });
    connect.up();
    connectUrl = connect.url;
    pg = await pgClient(env);
    await pg.query(`
      CREATE SCHEMA ${s};
      CREATE TYPE ${s}.mood AS ENUM ('sad', 'ok', 'happy');
      CREATE TABLE ${s}.kinds (
        id int PRIMARY KEY, i2 smallint, i8 bigint, r real, d double precision, n numeric(12,3), nv numeric, b boolean,
        t text NOT NULL, vc varchar(20), c char(3), dt date, ts timestamp, ts3 timestamp(3), tstz timestamptz, tm time, tmtz timetz,
        iv interval, j json, jb jsonb, u uuid, by bytea, ai int[], at text[], m ${s}.mood, x xml, ip inet, bt bit(1), money money);
      ALTER TABLE ${s}.kinds REPLICA IDENTITY FULL;
      CREATE TABLE ${s}.plain (a int, b int, note text, PRIMARY KEY (a, b));
      INSERT INTO ${s}.plain VALUES (0, 0, 'snapshot row');
      CREATE PUBLICATION ${s} FOR TABLE ${s}.kinds, ${s}.plain;
    `);
  });

  afterAll(async () => {
    if (connectUrl) await stopDebeziumPostgres(connectUrl, pg, dbzPrefix, dbzSlot);
    connect?.down();
    await pg?.end();
    if (env) {
      await cleanup(env, name);
      await cleanup(env, dbzPrefix, []);
      await cleanup(env, ourPrefix, []);
    }
  });

  test('same workload, same events', async () => {
    const plugin = await startDebeziumPostgres(connectUrl, env, { name: dbzPrefix, slot: dbzSlot, publication: s, tables: [`${s}.kinds`, `${s}.plain`] });
    const worker = startWorker(
      writeConfigFile(workerConfig(env, name, [`${s}.kinds`, `${s}.plain`], { output: { topicPrefix: ourPrefix, debeziumVersion: plugin.version } })),
      env,
    );
    try {
      await worker.waitForLog(/"msg":"streaming started"/);
      await waitForActiveSlot(pg, dbzSlot);
      await pg.query(`INSERT INTO ${s}.kinds VALUES (1, -2, 9007199254740993, 1.5, 2.25, 1234.567, 3.14159, true, 'text', 'vc', 'abc',
        '2024-02-29', '2024-03-10 12:34:56.789012', '2024-03-10 12:34:56.789', '2024-03-10 12:34:56.789012+02', '01:02:03.456789', '10:15:30+02',
        '1 year 2 mons 3 days 04:05:06.789', '{"a": [1, 2]}', '{"b": {"c": null}}', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '\\x00ff10',
        '{1,NULL,3}', '{"x y",z}', 'ok', '<a>1</a>', '10.1.2.3', B'1', 12.34)`);
      await pg.query(`INSERT INTO ${s}.kinds (id, t) VALUES (2, 'nulls')`);
      await pg.query(`UPDATE ${s}.kinds SET n = -0.5, jb = '[]', ai = '{}' WHERE id = 1`);
      await pg.query(`INSERT INTO ${s}.plain VALUES (1, 1, 'x'), (1, 2, 'y')`);
      await pg.query(`UPDATE ${s}.plain SET note = 'z' WHERE a = 1 AND b = 1`);
      await pg.query(`UPDATE ${s}.plain SET b = 3 WHERE a = 1 AND b = 2`);
      await pg.query(`DELETE FROM ${s}.kinds WHERE id = 2`);
      await pg.query(`TRUNCATE ${s}.plain`);
      // kinds: c c u d tomb = 5; plain: r c c u d tomb c t = 8
      const ours = await readTopics(env, [`${ourPrefix}.${s}.kinds`, `${ourPrefix}.${s}.plain`], (r) => r.length >= 13, 60000);
      const theirs = await readTopics(env, [`${dbzPrefix}.${s}.kinds`, `${dbzPrefix}.${s}.plain`], (r) => r.length >= 13, 120000);
      expect(ours).toHaveLength(13);
      expect(theirs).toHaveLength(13);
      const differences = goldenDifferences(ours, ourPrefix, theirs, dbzPrefix, pgGoldenAllowed);
      expect(differences).toEqual([]);
      expect(connect!.loginUsers()).toEqual([connect!.user]);
      expect(connect!.authorizationErrors()).toEqual([]);
    } finally {
      worker.proc.kill('SIGKILL');
    }
  });
});
