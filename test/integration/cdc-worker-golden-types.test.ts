/**
 * Golden comparison for the less common PostgreSQL types: ranges, point and the other geometric
 * types, tsvector/tsquery, pg_lsn, the oid aliases, the extension types citext/hstore/ltree/isn,
 * arrays of them and domains over them, captured by Debezium's PostgreSQL connector (on a
 * least-privileged Connect worker of its own, test/integration/golden-connect.ts) and by the CDC
 * worker and compared field by field like test/integration/cdc-worker-golden.test.ts.
 *
 * It runs in a scratch database (the extensions are per database) whose default time zone is not
 * UTC: Debezium's sessions use the JVM's zone (UTC), the worker's the database's, which tstzrange
 * text depends on. The worker runs with `unknownTypes: skip`, so the columns Debezium leaves out of
 * its events must be exactly the ones the worker cannot map.
 */
import { Client } from 'pg';
import { GoldenConnect } from './golden-connect';
import { goldenDifferences, pgGoldenAllowed, startDebeziumPostgres, stopDebeziumPostgres, waitForActiveSlot } from '../cdc-worker/golden';
import { Infra, cleanup, infra, pgClient, readTopics, scratchName, startWorker, workerConfig, writeConfigFile } from '../cdc-worker/harness';

jest.setTimeout(300000);

/** Columns of the `more` table: name, type (unqualified types are looked up in the scratch schema too). */
const COLUMNS: [string, string][] = [
  ['id', 'int PRIMARY KEY'],
  // ranges and arrays of them
  ['r4', 'int4range'],
  ['r8', 'int8range'],
  ['rn', 'numrange'],
  ['rts', 'tsrange'],
  ['rtz', 'tstzrange'],
  ['rd', 'daterange'],
  ['ar4', 'int4range[]'],
  ['ar8', 'int8range[]'],
  ['arn', 'numrange[]'],
  ['arts', 'tsrange[]'],
  ['artz', 'tstzrange[]'],
  ['ard', 'daterange[]'],
  // point, text search, extension types
  ['p', 'point'],
  ['pnn', 'point NOT NULL'],
  ['tv', 'tsvector'],
  ['atv', 'tsvector[]'],
  ['cit', 'citext'],
  ['acit', 'citext[]'],
  ['hs', 'hstore'],
  ['ahs', 'hstore[]'],
  ['lt', 'ltree'],
  ['alt', 'ltree[]'],
  ['isb', 'isbn'],
  ['aisb', 'isbn[]'],
  // domains over them
  ['dr', 'posrange'],
  ['dtz', 'utcspan'],
  ['dp', 'spot'],
  ['dtv', 'doc'],
  ['dhs', 'tags'],
  ['dci', 'name_ci'],
  ['dlt', 'label'],
  // types Debezium leaves out of its events
  ['m4', 'int4multirange'],
  ['m8', 'int8multirange'],
  ['mn', 'nummultirange'],
  ['mts', 'tsmultirange'],
  ['mtz', 'tstzmultirange'],
  ['md', 'datemultirange'],
  ['am4', 'int4multirange[]'],
  ['l', 'line'],
  ['ls', 'lseg'],
  ['bx', 'box'],
  ['pth', 'path'],
  ['pg', 'polygon'],
  ['c', 'circle'],
  ['ap', 'point[]'],
  ['abx', 'box[]'],
  ['tq', 'tsquery'],
  ['lsn', 'pg_lsn'],
  ['rc', 'regclass'],
  ['rp', 'regproc'],
  ['rpd', 'regprocedure'],
  ['ro', 'regoper'],
  ['ror', 'regoperator'],
  ['rt', 'regtype'],
  ['rcf', 'regconfig'],
  ['rdi', 'regdictionary'],
  ['rns', 'regnamespace'],
  ['rr', 'regrole'],
  ['rco', 'regcollation'],
  ['x', 'xid'],
  ['x8', 'xid8'],
  ['cd', 'cid'],
  ['ti', 'tid'],
  ['tsn', 'txid_snapshot'],
  ['ps', 'pg_snapshot'],
  ['e13', 'ean13'],
  ['fr', 'floatrange'],
  ['adr', 'posrange[]'],
  ['adt', 'email[]'],
];

/** hstore with 36 keys (a table grown to 64 buckets, keys that hash alike), a NULL value and characters JSON escapes. */
const HSTORE_MANY = `hstore(ARRAY['a','q','bb','zz','Ä','😀','Aa','BB','ctl','quo"te',''] || ARRAY(SELECT 'k' || i FROM generate_series(1, 25) i),
  ARRAY['x',NULL,'y','z','ä','smile','1','2','a' || chr(1) || 'b' || chr(31) || E'c\\nd\\te' || chr(127),E'back\\\\slash','/'] || ARRAY(SELECT i::text FROM generate_series(1, 25) i))`;

/** A row with ordinary values of every type (SQL expressions by column). */
const FULL: Record<string, string> = {
  r4: `'[1,10)'`,
  r8: `'(,5]'`,
  rn: `'[1.5,2.25]'`,
  rts: `'[2024-01-01 10:00,infinity)'`,
  rtz: `'(-infinity,2024-03-10 12:34:56.789+02]'`,
  rd: `'[2024-01-01,2024-02-01)'`,
  ar4: `'{"[1,2)",empty,NULL}'`,
  ar8: `'{"[-9223372036854775808,0)"}'`,
  arn: `'{"(1.5,2]"}'`,
  arts: `'{}'`,
  artz: `'{"[2024-01-01 00:00:00.5+05:30,)",NULL}'`,
  ard: `'{"[2024-01-01,)"}'`,
  p: `'(1.5,-2.25)'`,
  pnn: `'(-1e-07,3.5e+20)'`,
  tv: `'a fat cat sat on a mat'`,
  atv: `'{"a b","c:1A d:2"}'`,
  cit: `'HeLLo'`,
  acit: `'{x,Y,NULL}'`,
  hs: HSTORE_MANY,
  ahs: `'{NULL,"a=>1"}'`,
  lt: `'Top.Science.Astronomy'`,
  alt: `'{a.b,c}'`,
  isb: `'978-0-393-04002-9'`,
  aisb: `'{978-0-393-04002-9}'`,
  dr: `'[3,4)'`,
  dtz: `'["0044-03-15 10:00:00+00 BC","1900-01-01 00:00+00")'`,
  dp: `'(7,8)'`,
  dtv: `'x y'`,
  dhs: `'a=>1, b=>NULL'`,
  dci: `'Dom'`,
  dlt: `'a.b.c'`,
  m4: `'{[1,3),[5,8)}'`,
  m8: `'{}'`,
  mn: `'{[1.5,2.5]}'`,
  mts: `'{[2024-01-01,2024-01-02)}'`,
  mtz: `'{(,2024-01-01 00:00+00]}'`,
  md: `'{[2024-01-01,)}'`,
  am4: `'{"{[1,2)}"}'`,
  l: `'{1,-1,0}'`,
  ls: `'[(0,0),(1,1)]'`,
  bx: `'(2,2),(0,0)'`,
  pth: `'[(0,0),(1,1),(2,0)]'`,
  pg: `'((0,0),(1,1),(2,0))'`,
  c: `'<(1,2),3>'`,
  ap: `'{"(1,2)"}'`,
  abx: `'{(1,1),(0,0)}'`,
  tq: `'fat & cat'`,
  lsn: `'16/B374D848'`,
  rc: `'pg_class'`,
  rp: `'now'`,
  rpd: `'sum(int4)'`,
  ro: `'||/'`,
  ror: `'+(int4,int4)'`,
  rt: `'int4'`,
  rcf: `'english'`,
  rdi: `'simple'`,
  rns: `'public'`,
  rr: `current_user::text::regrole`,
  rco: `'"C"'`,
  x: `'123'`,
  x8: `'456'`,
  cd: `'5'`,
  ti: `'(1,2)'`,
  tsn: `'10:20:10,14,15'`,
  ps: `'10:20:10,14,15'`,
  e13: `'978-0-393-04002-9'`,
  fr: `'[1.5,2.5)'`,
  adr: `'{"[1,3)"}'`,
  adt: `'{a@b}'`,
};

/** A row of edge values: empty and unbounded ranges, infinite bounds, non-finite and signed-zero points, empty values, NULL elements. */
const EDGE: Record<string, string> = {
  r4: `'empty'`,
  r8: `'(,)'`,
  rn: `'(1.5,)'`,
  rts: `'(,infinity)'`,
  rtz: `'[-infinity,infinity]'`,
  rd: `'[2024-01-01,infinity]'`,
  ar4: `'{}'`,
  artz: `'{NULL}'`,
  ard: `'{empty}'`,
  arn: `'{"(,)"}'`,
  p: `'(NaN,-Infinity)'`,
  pnn: `'(-0,0)'`,
  tv: `''`,
  atv: `'{NULL}'`,
  cit: `''`,
  acit: `'{}'`,
  hs: `''`,
  ahs: `'{}'`,
  lt: `''`,
  alt: `'{a.b,NULL}'`,
  aisb: `'{978-0-393-04002-9,NULL}'`,
  dtz: `'(,)'`,
  dp: `'(0,0)'`,
  dhs: `''`,
};

const NULLS: Record<string, string> = { pnn: `'(0,0)'` };

function insert(table: string, id: number, row: Record<string, string>): string {
  const cols = Object.keys(row);
  return `INSERT INTO ${table} (id${cols.map((c) => `, ${c}`).join('')}) VALUES (${id}${cols.map((c) => `, ${row[c]}`).join('')})`;
}

describe("cdc-worker events equal Debezium's for ranges, geometry, text search and extension types (golden comparison)", () => {
  let env: Infra;
  let dbEnv: Infra;
  let connect: GoldenConnect | undefined;
  let connectUrl: string;
  let pg: Client;
  const name = scratchName('cdcw_goldt');
  const s = name;
  const dbzPrefix = `${name}_dbz`;
  const ourPrefix = `${name}_cdcw`;
  const dbzSlot = `${name}_dbz`;
  const tables = [`${s}.more`, `${s}.toasted`];

  beforeAll(async () => {
    env = infra();
    // Debezium runs on a Connect worker of this test's own, as the Connect user the stack creates
    connect = new GoldenConnect({ run: `goldt${Date.now().toString(36).slice(-5)}`, port: 18292, produce: [`${dbzPrefix}.`] });
    connect.up();
    connectUrl = connect.url;
    const admin = await pgClient(env);
    try {
      await admin.query(`CREATE DATABASE ${name}`);
      // Newfoundland: half-hour offsets now, local mean time (-03:30:52) before 1935.
      await admin.query(`ALTER DATABASE ${name} SET timezone = 'America/St_Johns'`);
    } finally {
      await admin.end();
    }
    dbEnv = { ...env, PG_DATABASE: name };
    pg = await pgClient(dbEnv);
    await pg.query(`CREATE SCHEMA ${s}; SET search_path = ${s}, public`);
    await pg.query(`
      CREATE EXTENSION citext SCHEMA ${s}; CREATE EXTENSION hstore SCHEMA ${s};
      CREATE EXTENSION ltree SCHEMA ${s}; CREATE EXTENSION isn SCHEMA ${s};
      CREATE DOMAIN posrange AS int4range CHECK (NOT isempty(VALUE)); CREATE DOMAIN utcspan AS tstzrange;
      CREATE DOMAIN spot AS point; CREATE DOMAIN doc AS tsvector; CREATE DOMAIN tags AS hstore;
      CREATE DOMAIN name_ci AS citext; CREATE DOMAIN label AS ltree; CREATE DOMAIN email AS text;
      CREATE TYPE floatrange AS RANGE (subtype = float8);
      CREATE TABLE more (${COLUMNS.map(([c, t]) => `${c} ${t}`).join(', ')});
      ALTER TABLE more REPLICA IDENTITY FULL;
      CREATE TABLE toasted (id int PRIMARY KEY, note text, hs hstore, dhs tags, tv tsvector, cit citext, lt ltree, rn numrange,
        atv tsvector[], acit citext[], ahs hstore[], alt ltree[], ar4 int4range[]);
      CREATE PUBLICATION ${s} FOR TABLE more, toasted;
    `);
    // Snapshot rows: read by both through a query, not pgoutput.
    await pg.query(insert('more', 1, FULL));
    await pg.query(insert('more', 2, EDGE));
    await pg.query(insert('more', 3, NULLS));
  });

  afterAll(async () => {
    if (connectUrl) await stopDebeziumPostgres(connectUrl, pg, dbzPrefix, dbzSlot);
    connect?.down();
    await pg?.end();
    if (env) {
      await cleanup(dbEnv, name);
      await cleanup(dbEnv, dbzPrefix, []);
      await cleanup(dbEnv, ourPrefix, []);
      const admin = await pgClient(env);
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).finally(() => admin.end());
    }
  });

  test('same rows, same events', async () => {
    const plugin = await startDebeziumPostgres(connectUrl, env, { name: dbzPrefix, slot: dbzSlot, publication: s, tables, database: name });
    const cfg = workerConfig(dbEnv, name, tables, { output: { topicPrefix: ourPrefix, debeziumVersion: plugin.version, unknownTypes: 'skip' } });
    const worker = startWorker(writeConfigFile(cfg), dbEnv);
    try {
      await worker.waitForLog(/"msg":"streaming started"/);
      await waitForActiveSlot(pg, dbzSlot);
      await pg.query(insert('more', 11, FULL));
      await pg.query(insert('more', 12, EDGE));
      await pg.query(insert('more', 13, NULLS));
      await pg.query(`UPDATE more SET r4 = '[5,6]', p = '(3,4)', hs = 'x=>y', artz = '{"[2024-06-01 00:00+00,)"}', m4 = '{}' WHERE id = 11`);
      await pg.query('DELETE FROM more WHERE id = 12');
      // Values large enough to be stored out of line: the update leaves them unchanged, so pgoutput
      // sends them as "unchanged TOAST" and both sides write their placeholders.
      const md5s = (n: number, sep: string) => `(SELECT string_agg(md5(i::text), '${sep}') FROM generate_series(1, ${n}) i)`;
      const bigHstore = `(SELECT hstore(array_agg(md5(i::text)), array_agg(md5((i + 1)::text))) FROM generate_series(1, 300) i)`;
      await pg.query(`INSERT INTO toasted VALUES (1, 'big', ${bigHstore}, ${bigHstore}, to_tsvector('simple', ${md5s(300, ' ')}),
        ${md5s(300, '')}, ${md5s(300, '.')}::ltree, ('[' || translate(${md5s(150, '')}, 'abcdef', '123456') || ',)')::numrange,
        ARRAY[to_tsvector('simple', ${md5s(300, ' ')})], (SELECT array_agg(md5(i::text)::citext) FROM generate_series(1, 300) i),
        ARRAY[${bigHstore}], (SELECT array_agg(md5(i::text)::ltree) FROM generate_series(1, 300) i),
        (SELECT array_agg(int4range(i * 7919 % 100000, i * 7919 % 100000 + i)) FROM generate_series(1, 1000) i))`);
      await pg.query(`UPDATE toasted SET note = 'changed' WHERE id = 1`);
      // more: r r r c c c u d tombstone = 9; toasted: c u = 2
      const topics = (prefix: string) => tables.map((t) => `${prefix}.${t}`);
      const ours = await readTopics(env, topics(ourPrefix), (r) => r.length >= 11, 60000);
      const theirs = await readTopics(env, topics(dbzPrefix), (r) => r.length >= 11, 120000);
      expect(ours).toHaveLength(11);
      expect(theirs).toHaveLength(11);
      // The comparison must cover the mapped types: they are in Debezium's schema of `more`.
      const after = JSON.parse(theirs.find((r) => r.topic.endsWith('.more'))!.value!).schema.fields.find((f: { field: string }) => f.field === 'after');
      expect(after.fields.map((f: { field: string }) => f.field)).toEqual(expect.arrayContaining(['rtz', 'ar4', 'p', 'atv', 'hs', 'aisb', 'dtz', 'dhs']));
      expect(goldenDifferences(ours, ourPrefix, theirs, dbzPrefix, pgGoldenAllowed)).toEqual([]);
      expect(connect!.loginUsers()).toEqual([connect!.user]);
      expect(connect!.authorizationErrors()).toEqual([]);
    } finally {
      worker.proc.kill('SIGKILL');
    }
  });
});
