/**
 * The CDC worker's MariaDB source against the harness's MariaDB 10.11 and Kafka: snapshot then
 * streaming, several column types, order per key, a DDL change applied to later events, kill -9
 * in the middle of 6,000 changes then a restart (checked row by row), and a field-by-field golden
 * comparison with Debezium's MariaDB connector on a least-privileged Connect worker of its own
 * (test/integration/golden-connect.ts; its schema-history clients log in as the same user).
 */
import { Connection } from 'mysql2/promise';
import { GoldenConnect } from './golden-connect';
import { goldenDifferences } from '../cdc-worker/golden';
import { KafkaRecord, readTopics, scratchName, writeConfigFile } from '../cdc-worker/harness';
import { MySqlInfra, deleteTopics, mariadb, mysqlInfra, mysqlKafka, mysqlWorkerConfig, startMysqlWorker } from '../cdc-worker/mysql-harness';

jest.setTimeout(600000);

const TOTAL_CHANGES = Number(process.env.CDCW_FAULT_CHANGES ?? 20000);
const KILLS = 3;

const payload = (r: KafkaRecord) => (r.value ? JSON.parse(r.value).payload : null);
const keyOf = (r: KafkaRecord) => (r.key ? JSON.parse(r.key).payload : null);

let env: MySqlInfra;
let db: Connection;
const names: string[] = [];
const prefixes: string[] = [];

beforeAll(async () => {
  env = mysqlInfra();
  db = await mariadb(env);
});

afterAll(async () => {
  for (const n of names) await db?.query(`DROP TABLE IF EXISTS \`${n}\``).catch(() => undefined);
  await db?.end();
  for (const p of prefixes) await deleteTopics(env, p);
  for (const p of prefixes) await deleteTopics(env, `__debezium-heartbeat.${p}`);
});

function scratch(prefix: string): string {
  const n = scratchName(prefix);
  names.push(n);
  prefixes.push(n);
  return n;
}

const KINDS_DDL = (t: string) => `CREATE TABLE \`${t}\` (
  id INT PRIMARY KEY, ti TINYINT, si SMALLINT UNSIGNED, mi MEDIUMINT, i INT UNSIGNED, bi BIGINT, bu BIGINT UNSIGNED,
  f FLOAT, d DOUBLE, n DECIMAL(12,3), b1 BIT(1), b10 BIT(10), bo BOOLEAN, c CHAR(3), vc VARCHAR(20) NOT NULL, tx TEXT,
  bl BLOB, vb VARBINARY(8), e ENUM('sad','ok','happy'), st SET('a','b','c'), j JSON, dt DATE, tm TIME(3), dtm DATETIME,
  dtm6 DATETIME(6), ts TIMESTAMP(3) NULL, y YEAR)`;

const KINDS_ROW = `(1, -5, 65535, -8388608, 4294967295, 9007199254740993, 18446744073709551615, 1.5, 2.25, 1234.567, b'1', b'1000000001', TRUE,
  'abc', 'vc', 'long text é', x'00ff10', x'0102', 'ok', 'a,c', '{"a": [1, 2]}', '2024-02-29', '-01:02:03.456', '2024-03-10 12:34:56',
  '2024-03-10 12:34:56.789012', '2024-03-10 12:34:56.789', 2024)`;

describe('cdc-worker MariaDB source', () => {
  test('snapshot, then inserts/updates/deletes across types in order per key, and a DDL change applied to later events', async () => {
    const name = scratch('cdcw_my');
    const kinds = `${name}_kinds`;
    const plain = `${name}_plain`;
    names.push(kinds, plain);
    await db.query(KINDS_DDL(kinds));
    await db.query(`CREATE TABLE \`${plain}\` (a INT, b INT, note VARCHAR(20), PRIMARY KEY (a, b))`);
    await db.query(`INSERT INTO \`${plain}\` VALUES (0, 0, 'snapshot row'), (0, 1, 'snapshot row 2')`);
    const database = env.MARIADB_DATABASE;
    const worker = startMysqlWorker(
      writeConfigFile(mysqlWorkerConfig(env, name, [`${database}.${kinds}`, `${database}.${plain}`], { output: { heartbeatIntervalMs: 500 } })),
      env,
    );
    try {
      await worker.waitForLog(/"msg":"streaming started"/);
      await db.query(`INSERT INTO \`${kinds}\` VALUES ${KINDS_ROW}`);
      await db.query(`INSERT INTO \`${kinds}\` (id, vc) VALUES (2, 'nulls')`);
      await db.query(`UPDATE \`${kinds}\` SET n = -0.5, vc = 'changed' WHERE id = 1`);
      await db.query(`DELETE FROM \`${kinds}\` WHERE id = 2`);
      await db.query(`BEGIN; UPDATE \`${plain}\` SET note = 'one' WHERE a = 0 AND b = 0; UPDATE \`${plain}\` SET note = 'two' WHERE a = 0 AND b = 0; COMMIT`);
      await db.query(`UPDATE \`${plain}\` SET b = 5 WHERE a = 0 AND b = 1`);
      await db.query(`ALTER TABLE \`${plain}\` ADD COLUMN extra INT NOT NULL DEFAULT 7`);
      await db.query(`INSERT INTO \`${plain}\` VALUES (1, 1, 'after ddl', 9)`);
      await db.query(`UPDATE \`${plain}\` SET note = 'three' WHERE a = 0 AND b = 0`);
      // kinds: c c u d tomb = 5; plain: r r u u d tomb c c u = 9
      const recs = await readTopics(env as never, [`${name}.${database}.${kinds}`, `${name}.${database}.${plain}`], (r) => r.length >= 14, 60000);
      expect(recs).toHaveLength(14);
      const k = recs.filter((r) => r.topic.endsWith(kinds));
      const p = recs.filter((r) => r.topic.endsWith(plain));
      expect(k.map((r) => payload(r)?.op ?? 'tomb')).toEqual(['c', 'c', 'u', 'd', 'tomb']);
      expect(p.map((r) => payload(r)?.op ?? 'tomb')).toEqual(['r', 'r', 'u', 'u', 'd', 'tomb', 'c', 'c', 'u']);
      const first = payload(k[0]);
      expect(first.after).toEqual({
        id: 1,
        ti: -5,
        si: 65535,
        mi: -8388608,
        i: 4294967295,
        // eslint-disable-next-line no-loss-of-precision -- as JSON.parse reads it (rounded); the text check below keeps 2^53+1 exact
        bi: 9007199254740993,
        bu: -1,
        f: 1.5,
        d: 2.25,
        n: Buffer.from('12d687', 'hex').toString('base64'),
        b1: true,
        b10: Buffer.from([0x01, 0x02]).toString('base64'),
        bo: 1,
        c: 'abc',
        vc: 'vc',
        tx: 'long text é',
        bl: 'AP8Q',
        vb: 'AQI=',
        e: 'ok',
        st: 'a,c',
        j: '{"a": [1, 2]}',
        dt: 19782,
        tm: -3723456000,
        dtm: 1710074096000,
        dtm6: 1710074096789012,
        ts: '2024-03-10T12:34:56.789Z',
        y: 2024,
      });
      // the JSON text keeps 2^53+1 exact
      expect(k[0].value).toContain('"bi":9007199254740993');
      expect(first.source).toMatchObject({ connector: 'mariadb', name, db: database, table: kinds, snapshot: 'false', server_id: 1, row: 0 });
      expect(first.source.gtid).toMatch(/^\d+-\d+-\d+$/);
      expect(first.source.file).toMatch(/^mariadb-bin\.\d+$/);
      expect(first.source.pos).toBeGreaterThan(0);
      expect(payload(k[1]).after).toMatchObject({ id: 2, vc: 'nulls', n: null, j: null, ts: null });
      expect(payload(k[2]).before).toMatchObject({ vc: 'vc' });
      expect(payload(k[2]).after).toMatchObject({ vc: 'changed', n: Buffer.from([0xfe, 0x0c]).toString('base64') });
      expect(keyOf(k[4])).toEqual({ id: 2 });
      expect(k[4].value).toBeNull();
      // snapshot rows
      expect(payload(p[0]).source).toMatchObject({ snapshot: 'first', gtid: null, server_id: 0 });
      expect(payload(p[1]).source).toMatchObject({ snapshot: 'last' });
      // two updates in one transaction: same GTID, in order
      expect([payload(p[2]).after.note, payload(p[3]).after.note]).toEqual(['one', 'two']);
      expect(payload(p[2]).source.gtid).toBe(payload(p[3]).source.gtid);
      // primary key change: delete + tombstone under the old key, create under the new one
      expect(keyOf(p[4])).toEqual({ a: 0, b: 1 });
      expect(p[4].headers['__debezium.newkey']).toBe('{"a":0,"b":5}');
      expect(keyOf(p[6])).toEqual({ a: 0, b: 5 });
      // DDL: events before it have no `extra`; events after it have it (and the schema says so)
      expect(payload(p[6]).after).toEqual({ a: 0, b: 5, note: 'snapshot row 2' });
      expect(payload(p[7]).after).toEqual({ a: 1, b: 1, note: 'after ddl', extra: 9 });
      expect(payload(p[8]).before).toEqual({ a: 0, b: 0, note: 'two', extra: 7 });
      expect(JSON.parse(p[7].value!).schema.fields[1].fields.map((f: { field: string }) => f.field)).toEqual(['a', 'b', 'note', 'extra']);
      // Debezium's heartbeat records
      const hb = await readTopics(env as never, [`__debezium-heartbeat.${name}`], (r) => r.length >= 1, 30000);
      expect(keyOf(hb[0])).toEqual({ serverName: name });
      expect(payload(hb[0]).ts_ms).toBeGreaterThan(0);
    } finally {
      worker.proc.kill('SIGTERM');
      await worker.exited;
    }
  });

  test('schema history: DDL made while the worker is down applies exactly where it is in the binlog', async () => {
    const name = scratch('cdcw_myhist');
    const database = env.MARIADB_DATABASE;
    await db.query(`CREATE TABLE \`${name}\` (a INT PRIMARY KEY, note VARCHAR(20), qty INT)`);
    const cfgFile = writeConfigFile(mysqlWorkerConfig(env, name, [`${database}.${name}`]));
    let worker = startMysqlWorker(cfgFile, env);
    await worker.waitForLog(/"msg":"streaming started"/);
    await db.query(`INSERT INTO \`${name}\` VALUES (1, 'up', 0)`);
    await readTopics(env as never, [`${name}.${database}.${name}`], (r) => r.length >= 1, 30000);
    worker.proc.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    // while the worker is down: rows before, between and after two ALTERs
    await db.query(`INSERT INTO \`${name}\` VALUES (2, 'before', 1)`);
    await db.query(`ALTER TABLE \`${name}\` ADD COLUMN extra INT DEFAULT 3 AFTER note`);
    await db.query(`INSERT INTO \`${name}\` VALUES (3, 'between', 30, 2)`);
    await db.query(`ALTER TABLE \`${name}\` DROP COLUMN qty, MODIFY note VARCHAR(40) NOT NULL`);
    await db.query(`UPDATE \`${name}\` SET note = 'after' WHERE a = 3`);
    worker = startMysqlWorker(cfgFile, env);
    try {
      await worker.waitForLog(/"msg":"streaming started"/);
      const recs = await readTopics(env as never, [`${name}.${database}.${name}`], (r) => r.length >= 4, 60000);
      expect(recs.map((r) => [payload(r).op, payload(r).before, payload(r).after])).toEqual([
        ['c', null, { a: 1, note: 'up', qty: 0 }],
        ['c', null, { a: 2, note: 'before', qty: 1 }],
        ['c', null, { a: 3, note: 'between', extra: 30, qty: 2 }],
        ['u', { a: 3, note: 'between', extra: 30 }, { a: 3, note: 'after', extra: 30 }],
      ]);
      const fields = (r: KafkaRecord) =>
        JSON.parse(r.value!).schema.fields[1].fields.map((f: { field: string; optional: boolean }) => `${f.field}${f.optional ? '?' : ''}`);
      expect(fields(recs[2])).toEqual(['a', 'note?', 'extra?', 'qty?']);
      expect(fields(recs[3])).toEqual(['a', 'note', 'extra?']);
      expect(worker.logs.join('\n')).toMatch(/"how":"replayed"/);
    } finally {
      worker.proc.kill('SIGTERM');
      await worker.exited;
    }
  });

  test('kill -9 during the initial snapshot: the restart takes the snapshot again, every row is there', async () => {
    const name = scratch('cdcw_mysnap');
    const database = env.MARIADB_DATABASE;
    const ROWS = 30000;
    await db.query(`CREATE TABLE \`${name}\` (id INT PRIMARY KEY, note VARCHAR(40))`);
    for (let i = 0; i < ROWS; i += 5000) {
      await db.query(`INSERT INTO \`${name}\` VALUES ${Array.from({ length: 5000 }, (_, j) => `(${i + j + 1}, 'row ${i + j + 1}')`).join(',')}`);
    }
    const cfgFile = writeConfigFile(
      mysqlWorkerConfig(env, name, [`${database}.${name}`], { kafka: { batchSize: 500 }, delivery: { maxBufferedEvents: 1000 } }),
    );
    let worker = startMysqlWorker(cfgFile, env);
    await worker.waitForLog(/"msg":"initial snapshot started"/);
    await new Promise((r) => setTimeout(r, 300));
    worker.proc.kill('SIGKILL');
    await worker.exited;
    // killed mid-snapshot (30,000 rows through a 1,000-event buffer take seconds)
    expect(worker.logs.some((l) => l.includes('"msg":"streaming started"'))).toBe(false);
    worker = startMysqlWorker(cfgFile, env);
    try {
      await worker.waitForLog(/"msg":"streaming started"/, 120000);
      expect(worker.logs.join('\n')).toMatch(/initial snapshot started/);
      await db.query(`INSERT INTO \`${name}\` VALUES (${ROWS + 1}, 'streamed')`);
      const recs = await readTopics(env as never, [`${name}.${database}.${name}`], (r) => r.some((x) => payload(x)?.op === 'c'), 120000);
      const ids = new Set(recs.filter((r) => payload(r)?.op === 'r').map((r) => keyOf(r).id as number));
      expect(ids.size).toBe(ROWS);
      expect(recs.filter((r) => payload(r)?.op === 'c').map((r) => keyOf(r).id)).toEqual([ROWS + 1]);
    } finally {
      worker.proc.kill('SIGTERM');
      await worker.exited;
    }
  });

  test('a column of a type the worker cannot map stops it at start, naming the column', async () => {
    const name = scratch('cdcw_mygeo');
    await db.query(`CREATE TABLE \`${name}\` (id INT PRIMARY KEY, g GEOMETRY)`);
    const worker = startMysqlWorker(writeConfigFile(mysqlWorkerConfig(env, name, [`${env.MARIADB_DATABASE}.${name}`])), env);
    expect(await worker.exited).toBe(1);
    expect(worker.logs.join('\n')).toContain(`unsupported MySQL type geometry in column ${env.MARIADB_DATABASE}.${name}.g`);
  });

  test('unsupported server settings stop the worker with the setting to change', async () => {
    // binlog_row_image can be checked without touching the shared server: a MySQL-only engine mismatch is
    // reported the same way, naming the setting. (binlogSettingProblems has unit tests for each setting.)
    const name = scratch('cdcw_mybad');
    await db.query(`CREATE TABLE \`${name}\` (id INT PRIMARY KEY)`);
    const worker = startMysqlWorker(writeConfigFile(mysqlWorkerConfig(env, name, [`${env.MARIADB_DATABASE}.${name}`], { source: { engine: 'mysql' } })), env);
    expect(await worker.exited).toBe(1);
    expect(worker.logs.join('\n')).toMatch(/source\.engine is mysql but the server is mariadb .*: set source\.engine to mariadb/);
  });

  test(`${TOTAL_CHANGES} changes, ${KILLS} SIGKILLs while they are written: every change is in Kafka, in order per key`, async () => {
    const name = scratch('cdcw_myfault');
    const t = name;
    const database = env.MARIADB_DATABASE;
    await db.query(`CREATE TABLE \`${t}\` (id INT PRIMARY KEY, v INT NOT NULL, note VARCHAR(40))`);
    await db.query(`INSERT INTO \`${t}\` VALUES ${Array.from({ length: 200 }, (_, i) => `(${i + 1}, 0, 'seed')`).join(',')}`);
    const cfgFile = writeConfigFile(mysqlWorkerConfig(env, name, [`${database}.${t}`], { delivery: { statusIntervalMs: 200 } }));
    let worker = startMysqlWorker(cfgFile, env);
    await worker.waitForLog(/"msg":"streaming started"/);
    // workload: 200 keys; per round, each key gets v+1 (update); new keys inserted; some deleted
    const wl = await mariadb(env);
    let changes = 0;
    const expectedV = new Map<number, number>();
    for (let i = 1; i <= 200; i++) expectedV.set(i, 0);
    const deleted = new Set<number>();
    let nextId = 201;
    const workload = (async () => {
      for (let round = 1; changes < TOTAL_CHANGES; round++) {
        const stmts: string[] = [];
        for (let j = 0; j < 20; j++) {
          const id = 1 + ((round * 20 + j) % 200);
          if (deleted.has(id)) continue;
          expectedV.set(id, expectedV.get(id)! + 1);
          stmts.push(`UPDATE \`${t}\` SET v = v + 1 WHERE id = ${id}`);
        }
        stmts.push(`INSERT INTO \`${t}\` VALUES (${nextId}, 0, 'round ${round}')`);
        expectedV.set(nextId++, 0);
        if (round % 10 === 0) {
          const victim = nextId - 5;
          stmts.push(`DELETE FROM \`${t}\` WHERE id = ${victim}`);
          deleted.add(victim);
          expectedV.delete(victim);
        }
        await wl.query(`BEGIN; ${stmts.join('; ')}; COMMIT`);
        changes += stmts.length;
      }
    })();
    // kill -9 at a quarter, half and three quarters of the workload, restarting each time
    for (let k = 1; k <= KILLS; k++) {
      while (changes < (TOTAL_CHANGES * k) / (KILLS + 1)) await new Promise((r) => setTimeout(r, 20));
      worker.proc.kill('SIGKILL');
      await worker.exited;
      worker = startMysqlWorker(cfgFile, env);
      await worker.waitForLog(/"msg":"streaming started"/);
      expect(worker.logs.join('\n')).toMatch(/resuming from the stored offset/);
    }
    await workload;
    await wl.end();
    const [[{ n }]] = (await db.query(`SELECT COUNT(*) AS n FROM \`${t}\``)) as unknown as [{ n: number }[]];
    try {
      // snapshot 200 + every change (+ tombstones); repeats are allowed (at least once)
      const minimum = 200 + changes + deleted.size;
      const recs = await readTopics(env as never, [`${name}.${database}.${t}`], (r) => r.length >= minimum && lastIsFinal(r), 240000);
      function lastIsFinal(r: KafkaRecord[]): boolean {
        const last = r[r.length - 1];
        return !!last && last.value !== null && payload(last)?.after?.note === `round ${nextId - 201}`;
      }
      expect(recs.length).toBeGreaterThanOrEqual(minimum);
      // row by row: per key the v values seen are 0,1,2,…,final with no gap, never going back except on a repeat of a whole run
      const seen = new Map<number, number[]>();
      const finalState = new Map<number, number | null>();
      for (const r of recs) {
        const key = keyOf(r).id as number;
        const p = payload(r);
        if (!p) continue;
        if (p.op === 'd') {
          finalState.set(key, null);
          continue;
        }
        (seen.get(key) ?? seen.set(key, []).get(key)!).push(p.after.v);
        finalState.set(key, p.after.v);
      }
      const problems: string[] = [];
      // order per key: each value is the previous + 1, except where a restart repeats from an earlier one (at most once per restart)
      for (const [id, vs] of seen) {
        let drops = 0;
        for (let i = 1; i < vs.length; i++) {
          if (vs[i] === vs[i - 1] + 1) continue;
          if (vs[i] <= vs[i - 1]) drops++;
          else problems.push(`id ${id}: ${vs[i - 1]} then ${vs[i]} (a change is missing)`);
        }
        if (drops > KILLS) problems.push(`id ${id}: out of order ${JSON.stringify(vs)}`);
      }
      for (const [id, v] of expectedV) {
        const vs = seen.get(id) ?? [];
        const distinct = [...new Set(vs)];
        const want = Array.from({ length: v + 1 }, (_, i) => i);
        if (JSON.stringify(distinct.sort((a, b) => a - b)) !== JSON.stringify(want))
          problems.push(`id ${id}: values ${JSON.stringify(distinct)} expected 0..${v}`);
        if (finalState.get(id) !== v) problems.push(`id ${id}: last event has v=${finalState.get(id)}, table has ${v}`);
      }
      for (const id of deleted) if (finalState.get(id) !== null) problems.push(`id ${id}: deleted in the table, not in Kafka`);
      expect(problems).toEqual([]);
      expect(Number(n)).toBe(expectedV.size);
      const dupes = recs.length - minimum;
      process.stdout.write(`mariadb kill -9 x${KILLS}: ${changes} changes, ${recs.length} records (${dupes} repeated after restarts)\n`);
    } finally {
      worker.proc.kill('SIGTERM');
      await worker.exited;
    }
  });
});

/** Paths (with array indices as []) where the worker may differ from Debezium, and why. */
const ALLOWED: Record<string, string> = {
  'value.payload.source.ts_ms': 'snapshot rows: Debezium stamps the snapshot time; ours is the time the row was read',
  'value.payload.source.ts_us': 'as ts_ms',
  'value.payload.source.ts_ns': 'as ts_ms',
  'value.payload.ts_ms': 'processing time',
  'value.payload.ts_us': 'processing time',
  'value.payload.ts_ns': 'processing time',
};

describe("cdc-worker MariaDB events equal Debezium's MariaDB connector (golden comparison)", () => {
  let connect: GoldenConnect | undefined;
  afterAll(() => connect?.down());

  test('same workload, same events', async () => {
    const name = scratch('cdcw_mygold');
    const dbzPrefix = `${name}_dbz`;
    const ourPrefix = `${name}_cdcw`;
    prefixes.push(dbzPrefix, ourPrefix);
    // Debezium runs on a Connect worker of this test's own, as the Connect user the stack creates
    // (its topics, and the schema history the stack creates, read back with Debezium's default group)
    connect = new GoldenConnect({
      run: `mygold${Date.now().toString(36).slice(-5)}`,
      port: 18293,
      produce: [`${dbzPrefix}.`],
      schemaHistory: [{ topic: `${dbzPrefix}.schema-history`, group: `${dbzPrefix}-schemahistory` }],
    });
    connect.up();
    const connectUrl = connect.url;
    const kinds = `${name}_kinds`;
    const plain = `${name}_plain`;
    names.push(kinds, plain);
    const database = env.MARIADB_DATABASE;
    await db.query(KINDS_DDL(kinds));
    await db.query(`CREATE TABLE \`${plain}\` (a INT, b INT, note VARCHAR(20), PRIMARY KEY (a, b))`);
    await db.query(`INSERT INTO \`${plain}\` VALUES (0, 0, 'snapshot row')`);
    const plugins = (await (await fetch(`${connectUrl}/connector-plugins`)).json()) as { class: string; version: string }[];
    const plugin = plugins.find((p) => p.class === 'io.debezium.connector.mariadb.MariaDbConnector');
    expect(plugin).toBeDefined();
    const admin = mysqlKafka(env).admin();
    await admin.connect();
    await admin.createTopics({ topics: [kinds, plain].map((t) => ({ topic: `${dbzPrefix}.${database}.${t}`, numPartitions: 1 })), waitForLeaders: true });
    await admin.disconnect();
    const jaas = `org.apache.kafka.common.security.scram.ScramLoginModule required username="${connect.user}" password="${connect.password}";`;
    const sasl = (p: string) => ({ [`${p}.security.protocol`]: 'SASL_PLAINTEXT', [`${p}.sasl.mechanism`]: 'SCRAM-SHA-512', [`${p}.sasl.jaas.config`]: jaas });
    const res = await fetch(`${connectUrl}/connectors`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        name: dbzPrefix,
        config: {
          'connector.class': plugin!.class,
          'database.hostname': env.MARIADB_HOST,
          'database.port': env.MARIADB_PORT,
          'database.user': env.MARIADB_USER,
          'database.password': env.MARIADB_PASSWORD,
          'database.server.id': String(200000 + Math.floor(Math.random() * 100000)),
          'topic.prefix': dbzPrefix,
          'database.include.list': database,
          'table.include.list': `${database}.${kinds},${database}.${plain}`,
          'snapshot.mode': 'initial',
          'include.schema.changes': 'false',
          'schema.history.internal.kafka.bootstrap.servers': env.KAFKA_BOOTSTRAP,
          'schema.history.internal.kafka.topic': `${dbzPrefix}.schema-history`,
          ...sasl('schema.history.internal.producer'),
          ...sasl('schema.history.internal.consumer'),
          'topic.creation.default.replication.factor': '1',
          'topic.creation.default.partitions': '1',
          'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
          'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
          'key.converter.schemas.enable': 'true',
          'value.converter.schemas.enable': 'true',
        },
      }),
    });
    expect(res.status).toBe(201);
    const worker = startMysqlWorker(
      writeConfigFile(
        mysqlWorkerConfig(env, ourPrefix, [`${database}.${kinds}`, `${database}.${plain}`], {
          output: { topicPrefix: ourPrefix, debeziumVersion: plugin!.version },
        }),
      ),
      env,
    );
    try {
      await worker.waitForLog(/"msg":"streaming started"/);
      // Debezium's snapshot must be over before the workload, so both see the same snapshot
      await readTopics(env as never, [`${dbzPrefix}.${database}.${plain}`], (r) => r.length >= 1, 180000);
      await db.query(`INSERT INTO \`${kinds}\` VALUES ${KINDS_ROW}`);
      await db.query(`INSERT INTO \`${kinds}\` (id, vc) VALUES (2, 'nulls')`);
      await db.query(`UPDATE \`${kinds}\` SET n = -0.5, vc = 'changed', j = '[]' WHERE id = 1`);
      await db.query(`INSERT INTO \`${plain}\` VALUES (1, 1, 'x'), (1, 2, 'y')`);
      await db.query(`UPDATE \`${plain}\` SET note = 'z' WHERE a = 1 AND b = 1`);
      await db.query(`UPDATE \`${plain}\` SET b = 3 WHERE a = 1 AND b = 2`);
      await db.query(`DELETE FROM \`${kinds}\` WHERE id = 2`);
      await db.query(`ALTER TABLE \`${plain}\` ADD COLUMN extra INT DEFAULT 5`);
      await db.query(`INSERT INTO \`${plain}\` VALUES (2, 2, 'after ddl', 9)`);
      // kinds: c c u d tomb = 5; plain: r c c u d tomb c c = 8
      const topics = (p: string) => [`${p}.${database}.${kinds}`, `${p}.${database}.${plain}`];
      const ours = await readTopics(env as never, topics(ourPrefix), (r) => r.length >= 13, 60000);
      const theirs = await readTopics(env as never, topics(dbzPrefix), (r) => r.length >= 13, 180000);
      expect(ours).toHaveLength(13);
      expect(theirs).toHaveLength(13);
      const differences = goldenDifferences(
        ours,
        ourPrefix,
        theirs,
        dbzPrefix,
        (path, ev) => Boolean(ALLOWED[path]) && (!path.startsWith('value.payload.source.ts_') || ev.value?.payload?.op === 'r'),
      );
      expect(differences).toEqual([]);
      expect(connect.loginUsers()).toEqual([connect.user]);
      expect(connect.authorizationErrors()).toEqual([]);
    } finally {
      worker.proc.kill('SIGTERM');
      await worker.exited;
      await fetch(`${connectUrl}/connectors/${dbzPrefix}`, { method: 'DELETE' }).catch(() => undefined);
    }
  });
});
