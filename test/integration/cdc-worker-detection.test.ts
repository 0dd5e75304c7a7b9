/**
 * Sensitive-data detection in the CDC worker, end to end: real PostgreSQL → worker (with a
 * `detection` section; the hash key from CDC_DETECTION__HASH_KEY) → real Kafka. An e-mail is
 * hashed, a phone number masked, a valid card number sends the event to the quarantine topic,
 * clean rows go through unchanged; the findings header says what was found where (never the
 * value), and the counters are on /metrics. The slot is confirmed past all of it on a graceful stop.
 * The same screen runs in the MariaDB (binlog) worker, with policies keyed by `<database>.<table>`.
 * Record keys are screened too: a table keyed by an e-mail never shows the raw e-mail in Kafka
 * (keys, values, headers of the table and quarantine topics), and every event of a row (tombstones
 * and quarantined events included) has one transformed key and one partition.
 */
import { createHmac } from 'crypto';
import { Client } from 'pg';
import {
  Infra,
  KafkaRecord,
  cleanup,
  infra,
  kafka,
  pgClient,
  readTopics,
  scratchName,
  startWorker,
  workerConfig,
  writeConfigFile,
} from '../cdc-worker/harness';
import { murmur2 } from '../../lib/cdc-worker/kafka/partitioner';
import { deleteTopics, mariadb, mysqlInfra, mysqlWorkerConfig, startMysqlWorker } from '../cdc-worker/mysql-harness';

jest.setTimeout(180000);

const HASH_KEY = 'integration-test-hash-key-0123456789';

describe('cdc-worker sensitive-data detection through real PostgreSQL and Kafka', () => {
  let env: Infra;
  let pg: Client;
  const name = scratchName('cdcw_dlp');
  const s = name;
  const table = `${s}.customers`;
  const topic = `${name}.${table}`;
  const quarantine = `${name}.quarantine`;

  beforeAll(async () => {
    env = infra();
    pg = await pgClient(env);
    await pg.query(`
      CREATE SCHEMA ${s};
      CREATE TABLE ${s}.customers (id int PRIMARY KEY, name text, email text, phone text, card text);
      INSERT INTO ${s}.customers VALUES (1, 'snapshot row', 'jane.doe@example.com', NULL, NULL), (2, 'clean snapshot row', NULL, NULL, NULL);
    `);
  });

  afterAll(async () => {
    delete process.env.CDC_DETECTION__HASH_KEY;
    await pg?.end();
    if (env) await cleanup(env, name);
  });

  test('hash, mask and quarantine by info type; clean rows unchanged; findings header; metrics', async () => {
    const cfg = workerConfig(env, name, [table], {
      detection: {
        backend: 'local',
        minLikelihood: 'LIKELY',
        policy: {
          infoTypes: { EMAIL_ADDRESS: { action: 'hash' }, PHONE_NUMBER: { action: 'mask' }, CREDIT_CARD_NUMBER: { action: 'quarantine' } },
          quarantineTopic: quarantine,
        },
      },
    });
    process.env.CDC_DETECTION__HASH_KEY = HASH_KEY; // a secret, as in production: never in the file
    const worker = startWorker(writeConfigFile(cfg), env);
    try {
      const listening = JSON.parse(await worker.waitForLog(/http server listening/));
      await worker.waitForLog(/"msg":"streaming started"/);
      await pg.query(`INSERT INTO ${s}.customers VALUES (3, 'Ann', 'ann@example.org', NULL, NULL)`);
      await pg.query(`INSERT INTO ${s}.customers VALUES (4, 'Bob', NULL, 'My phone number is (415) 555-0890', NULL)`);
      await pg.query('BEGIN');
      await pg.query(`INSERT INTO ${s}.customers VALUES (5, 'Cy', NULL, NULL, '4111 1111 1111 1111')`);
      await pg.query(`INSERT INTO ${s}.customers VALUES (6, 'Di', NULL, NULL, 'not a card: 4111 1111 1111 1112')`);
      await pg.query('COMMIT');
      const lastLsn = (await pg.query('SELECT pg_current_wal_lsn()::text AS l')).rows[0].l as string;
      await pg.query(`UPDATE ${s}.customers SET name = 'Ann B.' WHERE id = 3`);

      // table topic: 2 snapshot + 3, 4, 6 + update of 3 = 6; quarantine: 5
      const records = await readTopics(env, [topic, quarantine], (r) => r.length >= 7, 60000);
      expect(records).toHaveLength(7);
      const onTable = records.filter((r) => r.topic === topic);
      const inQuarantine = records.filter((r) => r.topic === quarantine);
      const id = (r: KafkaRecord) => JSON.parse(r.key!).payload.id as number;
      const after = (r: KafkaRecord) => JSON.parse(r.value!).payload.after;
      const findings = (r: KafkaRecord) => (r.headers['cdc.findings'] === undefined ? undefined : JSON.parse(r.headers['cdc.findings']));
      expect(onTable.map(id)).toEqual([1, 2, 3, 4, 6, 3]);
      expect(inQuarantine.map(id)).toEqual([5]);
      const hmac = (v: string) => createHmac('sha256', HASH_KEY).update(v).digest('base64');

      const [snap1, snap2, ann, bob, di, annUpdated] = onTable;
      // e-mail: keyed hash (joinable across events), schema says string
      expect(after(snap1)).toEqual({ id: 1, name: 'snapshot row', email: hmac('jane.doe@example.com'), phone: null, card: null });
      expect(JSON.parse(snap1.value!).payload.op).toBe('r');
      expect(after(ann).email).toBe(hmac('ann@example.org'));
      expect(after(annUpdated)).toEqual({ id: 3, name: 'Ann B.', email: hmac('ann@example.org'), phone: null, card: null });
      expect(findings(ann)).toEqual([{ f: 'email', t: 'EMAIL_ADDRESS', l: expect.stringMatching(/LIKELY$/), a: 'hash', i: 'after', b: [0, 15] }]);
      // phone: masked, the talk's example
      expect(after(bob).phone).toBe('My phone number is **************');
      expect(findings(bob)).toEqual([{ f: 'phone', t: 'PHONE_NUMBER', l: 'VERY_LIKELY', a: 'mask', i: 'after', b: [19, 33] }]);
      // clean rows (an invalid card number is not one): unchanged, no header
      expect(after(snap2)).toEqual({ id: 2, name: 'clean snapshot row', email: null, phone: null, card: null });
      expect(after(di).card).toBe('not a card: 4111 1111 1111 1112');
      expect(findings(snap2)).toBeUndefined();
      expect(findings(di)).toBeUndefined();
      // the values never appear in the delivered events or headers
      for (const r of onTable) expect(`${r.value} ${JSON.stringify(r.headers)}`).not.toMatch(/@example\.|555-0890/);
      // card: the original, unchanged event in quarantine, with the findings header
      const q = inQuarantine[0];
      expect(JSON.parse(q.value!).payload).toMatchObject({ op: 'c', after: { id: 5, card: '4111 1111 1111 1111' }, source: { schema: s, table: 'customers' } });
      expect(JSON.parse(q.value!).schema.name).toBe(`${topic}.Envelope`);
      expect(findings(q)).toEqual([expect.objectContaining({ f: 'card', t: 'CREDIT_CARD_NUMBER', a: 'quarantine', i: 'after' })]);

      // counters on /metrics
      const metrics = await (await fetch(`http://127.0.0.1:${listening.port}/metrics`)).text();
      const counter = (re: RegExp) => Number(metrics.match(re)?.[1]);
      const t = table.replace(/\./g, '\\.');
      expect(counter(new RegExp(`^cdc_detect_findings_total\\{table="${t}",info_type="EMAIL_ADDRESS",action="hash"\\} (\\d+)$`, 'm'))).toBe(3);
      expect(counter(new RegExp(`^cdc_detect_findings_total\\{table="${t}",info_type="PHONE_NUMBER",action="mask"\\} (\\d+)$`, 'm'))).toBe(1);
      expect(counter(new RegExp(`^cdc_detect_findings_total\\{table="${t}",info_type="CREDIT_CARD_NUMBER",action="quarantine"\\} (\\d+)$`, 'm'))).toBe(1);
      expect(counter(new RegExp(`^cdc_detect_events_total\\{table="${t}",decision="quarantine"\\} (\\d+)$`, 'm'))).toBe(1);
      expect(counter(new RegExp(`^cdc_detect_events_total\\{table="${t}",decision="deliver"\\} (\\d+)$`, 'm'))).toBe(4);
      expect(counter(new RegExp(`^cdc_detect_events_total\\{table="${t}",decision="clean"\\} (\\d+)$`, 'm'))).toBe(2);
      expect(metrics).toMatch(/^cdc_events_total\{table="[^"]+\.customers",op="c"\} 4$/m);

      // graceful stop: the slot is confirmed past everything screened and delivered
      worker.proc.kill('SIGTERM');
      expect(await worker.exited).toBe(0);
      const slot = (await pg.query('SELECT confirmed_flush_lsn::text AS l FROM pg_replication_slots WHERE slot_name = $1', [name])).rows[0].l as string;
      const num = (l: string) => {
        const [hi, lo] = l.split('/');
        return (BigInt('0x' + hi) << 32n) | BigInt('0x' + lo);
      };
      expect(num(slot) > num(lastLsn)).toBe(true);
    } finally {
      if (worker.proc.exitCode === null) worker.proc.kill('SIGKILL');
      await worker.exited;
    }
  });
});

describe('cdc-worker sensitive-data detection of record keys: a table whose primary key is an e-mail', () => {
  test('the raw key is nowhere in Kafka; a row keeps one hashed key and partition through updates, quarantine, deletes, tombstones and a key change', async () => {
    const env = infra();
    const pg = await pgClient(env);
    const name = scratchName('cdcw_dlp_key');
    const table = `${name}.accounts`;
    const topic = `${name}.${table}`;
    const quarantine = `${name}.quarantine`;
    const PARTITIONS = 6;
    const hmac = (v: string) => createHmac('sha256', HASH_KEY).update(v).digest('base64');
    const admin = kafka(env).admin();
    try {
      // FULL: a delete's before holds the card, so the delete itself is quarantined
      await pg.query(`CREATE SCHEMA ${name}; CREATE TABLE ${table} (email text PRIMARY KEY, name text, card text); ALTER TABLE ${table} REPLICA IDENTITY FULL`);
      await pg.query(`INSERT INTO ${table} VALUES ('snap.user@example.com', 'Snap', NULL)`);
      // several partitions, so that "one partition per row" means something
      await admin.connect();
      await admin.createTopics({
        topics: [
          { topic, numPartitions: PARTITIONS },
          { topic: quarantine, numPartitions: 3 },
        ],
        waitForLeaders: true,
      });
      const cfg = workerConfig(env, name, [table], {
        detection: {
          backend: 'local',
          minLikelihood: 'LIKELY',
          policy: { infoTypes: { EMAIL_ADDRESS: { action: 'hash' }, CREDIT_CARD_NUMBER: { action: 'quarantine' } }, quarantineTopic: quarantine },
        },
      });
      process.env.CDC_DETECTION__HASH_KEY = HASH_KEY;
      const worker = startWorker(writeConfigFile(cfg), env);
      try {
        await worker.waitForLog(/"msg":"streaming started"/);
        // ann: create, update, a card (quarantined), delete (quarantined: its before has the card)
        await pg.query(`INSERT INTO ${table} VALUES ('ann@example.org', 'Ann', NULL)`);
        await pg.query(`UPDATE ${table} SET name = 'Ann B.' WHERE email = 'ann@example.org'`);
        await pg.query(`UPDATE ${table} SET card = '4111 1111 1111 1111' WHERE email = 'ann@example.org'`);
        await pg.query(`DELETE FROM ${table} WHERE email = 'ann@example.org'`);
        // bob: create, then a primary-key change to robert, then delete
        await pg.query(`INSERT INTO ${table} VALUES ('bob@example.org', 'Bob', NULL)`);
        await pg.query(`UPDATE ${table} SET email = 'robert@example.org' WHERE email = 'bob@example.org'`);
        await pg.query(`DELETE FROM ${table} WHERE email = 'robert@example.org'`);
        await pg.query(`UPDATE ${table} SET name = 'Snap 2' WHERE email = 'snap.user@example.com'`);

        // table topic: snap r, u; ann c, u, tombstone; bob c, d + tombstone (key change), robert c, d + tombstone = 11
        // quarantine: ann's card update and delete = 2
        const records = await readTopics(env, [topic, quarantine], (r) => r.length >= 13, 60000);
        expect(records).toHaveLength(13);

        // every byte that reached Kafka: no raw e-mail anywhere (the hashes are base64: no "@")
        for (const r of records) {
          const bytes = [r.key, r.value, ...Object.entries(r.headers).flat()].join(' ');
          expect(bytes).not.toMatch(/@example\.(org|com)/);
        }

        const keyOf = (email: string) => hmac(email);
        const payloadKey = (r: KafkaRecord) => JSON.parse(r.key!).payload.email as string;
        const kind = (r: KafkaRecord) => (r.value === null ? 'tombstone' : (JSON.parse(r.value).payload.op as string));
        const byOffset = (a: KafkaRecord, b: KafkaRecord) => Number(BigInt(a.offset) - BigInt(b.offset));
        const rowEvents = (email: string) => records.filter((r) => payloadKey(r) === keyOf(email));
        const javaPartition = (key: string) => (murmur2(Buffer.from(key)) & 0x7fffffff) % PARTITIONS;

        const expected: Record<string, { table: string[]; quarantine: string[] }> = {
          'snap.user@example.com': { table: ['r', 'u'], quarantine: [] },
          'ann@example.org': { table: ['c', 'u', 'tombstone'], quarantine: ['u', 'd'] },
          'bob@example.org': { table: ['c', 'd', 'tombstone'], quarantine: [] },
          'robert@example.org': { table: ['c', 'd', 'tombstone'], quarantine: [] },
        };
        for (const [email, want] of Object.entries(expected)) {
          const events = rowEvents(email);
          // one key text for all of the row's records, in both topics
          expect(new Set(events.map((r) => r.key)).size).toBe(1);
          const onTable = events.filter((r) => r.topic === topic).sort(byOffset);
          const inQuarantine = events.filter((r) => r.topic === quarantine).sort(byOffset);
          expect(onTable.map(kind)).toEqual(want.table);
          expect(inQuarantine.map(kind)).toEqual(want.quarantine);
          // one partition, the one Kafka's partitioner gives the transformed key
          expect(new Set(onTable.map((r) => r.partition))).toEqual(new Set([javaPartition(events[0].key!)]));
          // a key schema unchanged: the e-mail stays a required string
          expect(JSON.parse(events[0].key!).schema).toEqual({
            type: 'struct',
            fields: [{ type: 'string', optional: false, field: 'email' }],
            optional: false,
            name: `${topic}.Key`,
          });
        }

        // the key is the value's column, hashed alike: joinable
        const annTable = rowEvents('ann@example.org')
          .filter((r) => r.topic === topic)
          .sort(byOffset);
        expect(JSON.parse(annTable[0].value!).payload.after).toEqual({ email: keyOf('ann@example.org'), name: 'Ann', card: null });
        // quarantined: the card as it was, for review, but the key column hashed
        const [annCard, annDelete] = rowEvents('ann@example.org')
          .filter((r) => r.topic === quarantine)
          .sort(byOffset);
        expect(JSON.parse(annCard.value!).payload.after).toEqual({ email: keyOf('ann@example.org'), name: 'Ann B.', card: '4111 1111 1111 1111' });
        expect(JSON.parse(annDelete.value!).payload.before).toEqual({ email: keyOf('ann@example.org'), name: 'Ann B.', card: '4111 1111 1111 1111' });
        expect(JSON.parse(annDelete.headers['cdc.findings'])).toEqual([
          expect.objectContaining({ f: 'email', a: 'hash', i: 'before' }),
          expect.objectContaining({ f: 'card', a: 'quarantine', i: 'before' }),
        ]);
        // the tombstone after the quarantined delete: on the table topic, with the hashed key,
        // after the row's events there, so that compaction forgets them
        expect(annTable[2].value).toBeNull();

        // the key change: delete + tombstone under bob, create under robert, with hashed key headers
        const bob = rowEvents('bob@example.org').sort(byOffset);
        const robert = rowEvents('robert@example.org').sort(byOffset);
        expect(JSON.parse(bob[1].headers['__debezium.newkey'])).toEqual({ email: keyOf('robert@example.org') });
        expect(JSON.parse(bob[2].headers['__debezium.newkey'])).toEqual({ email: keyOf('robert@example.org') });
        expect(JSON.parse(robert[0].headers['__debezium.oldkey'])).toEqual({ email: keyOf('bob@example.org') });

        worker.proc.kill('SIGTERM');
        expect(await worker.exited).toBe(0);
      } finally {
        if (worker.proc.exitCode === null) worker.proc.kill('SIGKILL');
        await worker.exited;
      }
    } finally {
      delete process.env.CDC_DETECTION__HASH_KEY;
      await admin.disconnect();
      await pg.end();
      await cleanup(env, name);
    }
  });
});

describe('cdc-worker sensitive-data detection with a small buffer (backpressure)', () => {
  test('a snapshot and a burst many times the buffer arrive whole and in order, screened', async () => {
    const env = infra();
    const pg = await pgClient(env);
    const name = scratchName('cdcw_dlp_bp');
    const table = `${name}.t`;
    const topic = `${name}.${table}`;
    const quarantine = `${name}.quarantine`;
    const N = 3000;
    try {
      await pg.query(`CREATE SCHEMA ${name}; CREATE TABLE ${table} (id int PRIMARY KEY, note text)`);
      // every 10th row has a card number (quarantine), every 10th + 5 an e-mail (hash)
      const note = (i: number) => (i % 10 === 0 ? `card 4111 1111 1111 1111 #${i}` : i % 10 === 5 ? `mail user${i}@example.com` : `row ${i}`);
      const insert = (from: number, to: number) =>
        pg.query(
          `INSERT INTO ${table} SELECT i, CASE WHEN i % 10 = 0 THEN 'card 4111 1111 1111 1111 #' || i WHEN i % 10 = 5 THEN 'mail user' || i || '@example.com' ELSE 'row ' || i END FROM generate_series(${from}, ${to}) i`,
        );
      await insert(1, N);
      const cfg = workerConfig(env, name, [table], {
        kafka: { batchSize: 50 },
        delivery: { maxBufferedEvents: 100 },
        detection: { policy: { infoTypes: { EMAIL_ADDRESS: { action: 'hash' }, CREDIT_CARD_NUMBER: { action: 'quarantine' } }, quarantineTopic: quarantine } },
      });
      process.env.CDC_DETECTION__HASH_KEY = HASH_KEY;
      const worker = startWorker(writeConfigFile(cfg), env);
      try {
        await worker.waitForLog(/"msg":"streaming started"/, 120000);
        await insert(N + 1, 2 * N);
        const records = await readTopics(env, [topic, quarantine], (r) => r.length >= 2 * N, 120000);
        expect(records).toHaveLength(2 * N);
        const id = (r: KafkaRecord) => JSON.parse(r.key!).payload.id as number;
        const onTable = records.filter((r) => r.topic === topic);
        const inQuarantine = records.filter((r) => r.topic === quarantine);
        const all = Array.from({ length: 2 * N }, (_, i) => i + 1);
        expect(onTable.map(id)).toEqual(all.filter((i) => i % 10 !== 0));
        expect(inQuarantine.map(id)).toEqual(all.filter((i) => i % 10 === 0));
        for (const r of onTable) {
          const i = id(r);
          const got = JSON.parse(r.value!).payload.after.note;
          expect(got).toBe(i % 10 === 5 ? `mail ${createHmac('sha256', HASH_KEY).update(`user${i}@example.com`).digest('base64')}` : note(i));
        }
        worker.proc.kill('SIGTERM');
        expect(await worker.exited).toBe(0);
      } finally {
        if (worker.proc.exitCode === null) worker.proc.kill('SIGKILL');
        await worker.exited;
        delete process.env.CDC_DETECTION__HASH_KEY;
      }
    } finally {
      await pg.end();
      await cleanup(env, name);
    }
  });
});

describe('cdc-worker sensitive-data detection under kill -9', () => {
  test('SIGKILLs while screening: every change arrives (at least once), screened, none unscreened', async () => {
    const env = infra();
    const pg = await pgClient(env);
    const name = scratchName('cdcw_dlp_kill');
    const table = `${name}.t`;
    const topic = `${name}.${table}`;
    const quarantine = `${name}.quarantine`;
    const BATCHES = 40;
    const PER = 250;
    const total = BATCHES * PER;
    try {
      await pg.query(`CREATE SCHEMA ${name}; CREATE TABLE ${table} (id int PRIMARY KEY, note text)`);
      const cfgFile = writeConfigFile(
        workerConfig(env, name, [table], {
          delivery: { maxBufferedEvents: 2000 },
          detection: {
            policy: { infoTypes: { EMAIL_ADDRESS: { action: 'hash' }, CREDIT_CARD_NUMBER: { action: 'quarantine' } }, quarantineTopic: quarantine },
          },
        }),
      );
      process.env.CDC_DETECTION__HASH_KEY = HASH_KEY;
      let worker = startWorker(cfgFile, env);
      const workers = [worker];
      try {
        await worker.waitForLog(/"msg":"streaming started"/);
        for (let b = 0; b < BATCHES; b++) {
          const from = b * PER + 1;
          await pg.query(
            `INSERT INTO ${table} SELECT i, CASE WHEN i % 10 = 0 THEN 'card 4111 1111 1111 1111' WHEN i % 10 = 5 THEN 'user' || i || '@example.com' ELSE 'row ' || i END FROM generate_series(${from}, ${from + PER - 1}) i`,
          );
          if (b === 12 || b === 27) {
            worker.proc.kill('SIGKILL');
            await worker.exited;
            worker = startWorker(cfgFile, env);
            workers.push(worker);
          }
        }
        await worker.waitForLog(/"msg":"streaming started"/, 120000);
        const seen = new Set<number>();
        const id = (r: KafkaRecord) => JSON.parse(r.key!).payload.id as number;
        const records = await readTopics(
          env,
          [topic, quarantine],
          (rs) => {
            for (const r of rs) seen.add(id(r));
            return seen.size >= total;
          },
          180000,
        );
        expect(seen.size).toBe(total);
        for (const r of records) {
          const i = id(r);
          if (r.topic === quarantine) {
            expect(i % 10).toBe(0);
            continue;
          }
          expect(i % 10).not.toBe(0);
          const note = JSON.parse(r.value!).payload.after.note;
          expect(note).toBe(i % 10 === 5 ? createHmac('sha256', HASH_KEY).update(`user${i}@example.com`).digest('base64') : `row ${i}`);
        }
        worker.proc.kill('SIGTERM');
        expect(await worker.exited).toBe(0);
      } finally {
        for (const w of workers) if (w.proc.exitCode === null && w.proc.signalCode === null) w.proc.kill('SIGKILL');
        delete process.env.CDC_DETECTION__HASH_KEY;
      }
    } finally {
      await pg.end();
      await cleanup(env, name);
    }
  });
});

describe('cdc-worker sensitive-data detection through real MariaDB and Kafka', () => {
  test('hash and quarantine in the binlog worker; policy per table and column', async () => {
    const env = mysqlInfra();
    const db = await mariadb(env);
    const name = scratchName('cdcw_dlp_my');
    const table = `${env.MARIADB_DATABASE}.${name}`;
    const topic = `${name}.${table}`;
    const quarantine = `${name}.quarantine`;
    try {
      await db.query(`CREATE TABLE \`${name}\` (id INT PRIMARY KEY, email VARCHAR(100), notes TEXT)`);
      await db.query(`INSERT INTO \`${name}\` VALUES (1, 'jane.doe@example.com', 'fine')`);
      const cfg = mysqlWorkerConfig(env, name, [table], {
        detection: {
          policy: {
            infoTypes: { EMAIL_ADDRESS: { action: 'hash' } },
            tables: { [table]: { columns: { notes: { action: 'quarantine' } } } },
            quarantineTopic: quarantine,
          },
        },
      });
      process.env.CDC_DETECTION__HASH_KEY = HASH_KEY;
      const worker = startMysqlWorker(writeConfigFile(cfg), env);
      try {
        const listening = JSON.parse(await worker.waitForLog(/http server listening/));
        await worker.waitForLog(/"msg":"streaming started"/);
        await db.query(`INSERT INTO \`${name}\` VALUES (2, NULL, 'call me at (415) 555-0890'), (3, NULL, 'nothing')`);
        const records = await readTopics(env as unknown as Infra, [topic, quarantine], (r) => r.length >= 3, 60000);
        const id = (r: KafkaRecord) => JSON.parse(r.key!).payload.id as number;
        expect(records.filter((r) => r.topic === topic).map(id)).toEqual([1, 3]);
        expect(records.filter((r) => r.topic === quarantine).map(id)).toEqual([2]);
        const first = records.find((r) => r.topic === topic && id(r) === 1)!;
        expect(JSON.parse(first.value!).payload.after.email).toBe(createHmac('sha256', HASH_KEY).update('jane.doe@example.com').digest('base64'));
        expect(JSON.parse(first.headers['cdc.findings'])).toEqual([expect.objectContaining({ f: 'email', t: 'EMAIL_ADDRESS', a: 'hash' })]);
        const metrics = await (await fetch(`http://127.0.0.1:${listening.port}/metrics`)).text();
        expect(metrics).toContain(`cdc_detect_findings_total{table="${table}",info_type="EMAIL_ADDRESS",action="hash"} 1`);
        expect(metrics).toContain(`cdc_detect_findings_total{table="${table}",info_type="PHONE_NUMBER",action="quarantine"} 1`);
        expect(metrics).toContain(`cdc_detect_events_total{table="${table}",decision="clean"} 1`);
        worker.proc.kill('SIGTERM');
        expect(await worker.exited).toBe(0);
      } finally {
        if (worker.proc.exitCode === null) worker.proc.kill('SIGKILL');
        await worker.exited;
      }
    } finally {
      delete process.env.CDC_DETECTION__HASH_KEY;
      await db.query(`DROP TABLE IF EXISTS \`${name}\``).catch(() => undefined);
      await db.end();
      await deleteTopics(env, name);
    }
  });
});
