/**
 * Golden comparison: the same tables and workload captured by Debezium's PostgreSQL connector on
 * the harness's Kafka Connect and by the CDC worker. Events are compared field by field (key,
 * before, after, op, value schema of the row, the source block, headers); the only differences allowed
 * are the documented ones in ALLOWED (names that carry the topic prefix, timings, version).
 */
import { Client } from 'pg';
import { requireInfra } from './infra';
import { goldenDifferences } from '../cdc-worker/golden';
import { Infra, cleanup, infra, kafka, pgClient, readTopics, scratchName, startWorker, workerConfig, writeConfigFile } from '../cdc-worker/harness';

jest.setTimeout(300000);

/** Paths (with array indices as []) where the worker may differ from Debezium, and why. */
const ALLOWED: Record<string, string> = {
  'value.payload.source.ts_ms': 'commit time is the same, but the snapshot time is ours',
  'value.payload.source.ts_us': 'as ts_ms',
  'value.payload.source.ts_ns': 'as ts_ms',
  'value.payload.ts_ms': 'processing time',
  'value.payload.ts_us': 'processing time',
  'value.payload.ts_ns': 'processing time',
  'value.payload.source.sequence': 'Debezium reports its last stored commit LSN; ours is the last commit seen',
  'value.payload.source.lsn': 'snapshot events only: the snapshot position',
  'value.payload.source.txId': 'snapshot events only: Debezium reports the snapshot transaction',
  'value.schema.fields[].fields[].default': 'Debezium copies column defaults into the schema; the worker does not',
  'value.payload.source.snapshot': 'snapshot markers of the last rows of a table differ between Debezium versions',
};


describe('cdc-worker events equal Debezium\'s (golden comparison)', () => {
  let env: Infra;
  let connectUrl: string;
  let pg: Client;
  const name = scratchName('cdcw_gold');
  const s = name;
  const dbzPrefix = `${name}_dbz`;
  const ourPrefix = `${name}_cdcw`;
  const dbzSlot = `${name}_dbz`;

  beforeAll(async () => {
    env = infra();
    connectUrl = requireInfra(['CONNECT_URL'] as const).CONNECT_URL;
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
    await fetch(`${connectUrl}/connectors/${dbzPrefix}`, { method: 'DELETE' }).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 3000));
    await pg?.query('SELECT pg_drop_replication_slot($1) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active', [dbzSlot]).catch(() => undefined);
    await pg?.end();
    if (env) {
      await cleanup(env, name);
      await cleanup(env, dbzPrefix, []);
      await cleanup(env, ourPrefix, []);
    }
  });

  test('same workload, same events', async () => {
    const plugins = (await (await fetch(`${connectUrl}/connector-plugins`)).json()) as { class: string; version: string }[];
    const plugin = plugins.find((p) => p.class === 'io.debezium.connector.postgresql.PostgresConnector');
    expect(plugin).toBeDefined();
    const admin = kafka(env).admin();
    await admin.connect();
    await admin.createTopics({ topics: ['kinds', 'plain'].map((t) => ({ topic: `${dbzPrefix}.${s}.${t}`, numPartitions: 1 })), waitForLeaders: true });
    await admin.disconnect();
    const res = await fetch(`${connectUrl}/connectors`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        name: dbzPrefix,
        config: {
          'connector.class': plugin!.class,
          'plugin.name': 'pgoutput',
          'database.hostname': env.PG_HOST, 'database.port': env.PG_PORT, 'database.user': env.PG_USER,
          'database.password': env.PG_PASSWORD, 'database.dbname': env.PG_DATABASE,
          'topic.prefix': dbzPrefix, 'slot.name': dbzSlot, 'publication.name': s, 'publication.autocreate.mode': 'disabled',
          'table.include.list': `${s}.kinds,${s}.plain`, 'snapshot.mode': 'initial',
          'skipped.operations': 'none',
          'topic.creation.default.replication.factor': '1',
          'topic.creation.default.partitions': '1',
          'key.converter': 'org.apache.kafka.connect.json.JsonConverter', 'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
          'key.converter.schemas.enable': 'true', 'value.converter.schemas.enable': 'true',
        },
      }),
    });
    expect(res.status).toBe(201);
    const worker = startWorker(writeConfigFile(workerConfig(env, name, [`${s}.kinds`, `${s}.plain`], { output: { topicPrefix: ourPrefix, debeziumVersion: plugin!.version } })), env);
    try {
      await worker.waitForLog(/"msg":"streaming started"/);
      for (let i = 0; i < 150; i++) {
        const r = await pg.query('SELECT active FROM pg_replication_slots WHERE slot_name = $1', [dbzSlot]);
        if (r.rows[0]?.active) break;
        await new Promise((res2) => setTimeout(res2, 200));
      }
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
      const differences = goldenDifferences(ours, ourPrefix, theirs, dbzPrefix, (path, ev) =>
        Boolean(ALLOWED[path]) && (!['value.payload.source.lsn', 'value.payload.source.txId'].includes(path) || ev.value?.payload?.op === 'r'),
      );
      expect(differences).toEqual([]);
    } finally {
      worker.proc.kill('SIGKILL');
    }
  });
});
