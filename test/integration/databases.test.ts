/**
 * The source databases and the Terraform mirror from `npm run infra:up` are what the CDC
 * tests assume: PostgreSQL can feed Debezium (logical decoding with pgoutput), MariaDB writes
 * a full row-based binlog with GTIDs, and `terraform init` gets the Mongey providers offline.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import mysql from 'mysql2/promise';
import { Client } from 'pg';
import { infraEnvFile, parseInfraEnv, requireInfra } from './infra';

describe('infra.ts', () => {
  test('parses what the scripts write', () => {
    const env = parseInfraEnv("# c\nexport A='x'\\''y'\nexport B='1 2'\nC=\"q\\\"r\"\nD=plain\n");
    expect(env).toEqual({ A: "x'y", B: '1 2', C: 'q"r', D: 'plain' });
  });

  test('a missing part fails with the command that starts it', () => {
    const run = fs.mkdtempSync(path.join(os.tmpdir(), 'cdp-run-'));
    try {
      fs.writeFileSync(path.join(run, 'infra.env'), "export PG_HOST='127.0.0.1'\n");
      expect(() => requireInfra(['PG_HOST', 'MARIADB_PORT'], { ...process.env, CDP_RUN: run })).toThrow(
        /real part\(s\) mariadb .*lacks MARIADB_PORT.*Run `npm run infra:up`/,
      );
      expect(infraEnvFile({ CDP_RUN: run })).toBe(path.join(run, 'infra.env'));
    } finally {
      fs.rmSync(run, { recursive: true, force: true });
    }
  });
});

describe('PostgreSQL', () => {
  let client: Client;

  beforeAll(async () => {
    const env = requireInfra(['PG_HOST', 'PG_PORT', 'PG_USER', 'PG_PASSWORD', 'PG_DATABASE']);
    client = new Client({
      host: env.PG_HOST,
      port: Number(env.PG_PORT),
      user: env.PG_USER,
      password: env.PG_PASSWORD,
      database: env.PG_DATABASE,
    });
    await client.connect();
  });

  afterAll(async () => {
    await client?.end();
  });

  test('is 15.x with wal_level=logical', async () => {
    const settings = await client.query<{ name: string; setting: string }>(
      "select name, setting from pg_settings where name in ('wal_level', 'server_version_num', 'max_replication_slots')",
    );
    const s = Object.fromEntries(settings.rows.map((r) => [r.name, r.setting]));
    expect(s.wal_level).toBe('logical');
    expect(Number(s.server_version_num)).toBeGreaterThanOrEqual(150000);
    expect(Number(s.max_replication_slots)).toBeGreaterThanOrEqual(20);
  });

  test('the cdc user can create a logical replication slot with pgoutput', async () => {
    const role = await client.query<{ rolreplication: boolean }>('select rolreplication from pg_roles where rolname = current_user');
    expect(role.rows[0].rolreplication).toBe(true);
    const slot = `cdp_check_${process.pid}_${Date.now()}`;
    const created = await client.query<{ slot_name: string; lsn: string }>(
      "select slot_name, lsn::text from pg_create_logical_replication_slot($1, 'pgoutput')",
      [slot],
    );
    try {
      expect(created.rows[0].slot_name).toBe(slot);
      const listed = await client.query<{ plugin: string; slot_type: string }>('select plugin, slot_type from pg_replication_slots where slot_name = $1', [
        slot,
      ]);
      expect(listed.rows).toEqual([{ plugin: 'pgoutput', slot_type: 'logical' }]);
    } finally {
      await client.query('select pg_drop_replication_slot($1)', [slot]);
    }
  });
});

describe('MariaDB', () => {
  let conn: mysql.Connection;

  beforeAll(async () => {
    const env = requireInfra(['MARIADB_HOST', 'MARIADB_PORT', 'MARIADB_USER', 'MARIADB_PASSWORD', 'MARIADB_DATABASE']);
    conn = await mysql.createConnection({
      host: env.MARIADB_HOST,
      port: Number(env.MARIADB_PORT),
      user: env.MARIADB_USER,
      password: env.MARIADB_PASSWORD,
      database: env.MARIADB_DATABASE,
    });
  });

  afterAll(async () => {
    await conn?.end();
  });

  test('writes a full row-based binlog', async () => {
    const [rows] = await conn.query<mysql.RowDataPacket[]>(
      'select @@log_bin as log_bin, @@binlog_format as format, @@binlog_row_image as image, @@server_id as server_id, @@version as version',
    );
    expect(rows[0]).toMatchObject({ log_bin: 1, format: 'ROW', image: 'FULL', server_id: 1 });
    expect(String(rows[0].version)).toMatch(/MariaDB/);
  });

  test('assigns GTIDs to transactions, in strict mode', async () => {
    const table = `cdp_gtid_check_${process.pid}`;
    const pos = async (): Promise<string> => {
      const [rows] = await conn.query<mysql.RowDataPacket[]>('select @@gtid_binlog_pos as pos, @@gtid_strict_mode as strict');
      expect(rows[0].strict).toBe(1);
      return String(rows[0].pos);
    };
    const before = await pos();
    await conn.query(`create table if not exists ${table} (id int primary key)`);
    await conn.query(`drop table ${table}`);
    const after = await pos();
    expect(after).toMatch(/^0-1-\d+$/);
    expect(after).not.toBe(before);
  });

  test('the cdc user has the privileges Debezium needs', async () => {
    const [rows] = await conn.query<mysql.RowDataPacket[]>('show grants for current_user()');
    const grants = rows.map((r) => String(Object.values(r)[0])).join('\n');
    for (const p of ['SELECT', 'RELOAD', 'SHOW DATABASES', 'REPLICATION SLAVE']) {
      expect(grants).toContain(p);
    }
    // MariaDB 10.5+ shows REPLICATION CLIENT under its new name.
    expect(grants).toMatch(/REPLICATION CLIENT|BINLOG MONITOR/);
    const [status] = await conn.query<mysql.RowDataPacket[]>('show master status');
    expect(status[0].File).toMatch(/^mariadb-bin\.\d+$/);
  });
});

describe('Terraform providers mirror', () => {
  test('terraform init works offline with mongey/kafka 0.13.1 and mongey/kafka-connect 0.5.0', () => {
    const env = requireInfra(['TF_CLI_CONFIG_FILE', 'TF_PROVIDER_MIRROR', 'TERRAFORM_BIN']);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdp-tf-init-'));
    try {
      fs.copyFileSync(path.join(__dirname, '..', 'infra', 'terraform', 'schema', 'main.tf'), path.join(dir, 'main.tf'));
      const tfEnv = { ...process.env, TF_CLI_CONFIG_FILE: env.TF_CLI_CONFIG_FILE, TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1' };
      const run = (...args: string[]): string =>
        execFileSync(env.TERRAFORM_BIN, args, { cwd: dir, env: tfEnv, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      run('init', '-input=false', '-no-color');
      const providers = run('providers', '-no-color');
      expect(providers).toMatch(/provider\[registry\.(terraform\.io|opentofu\.org)\/mongey\/kafka\] 0\.13\.1/);
      expect(providers).toMatch(/provider\[registry\.(terraform\.io|opentofu\.org)\/mongey\/kafka-connect\] 0\.5\.0/);
      const lock = fs.readFileSync(path.join(dir, '.terraform.lock.hcl'), 'utf8');
      expect(lock).toMatch(/"registry\.(terraform\.io|opentofu\.org)\/mongey\/kafka"/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
