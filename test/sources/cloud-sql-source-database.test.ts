import { SecretValue } from '../../constructs/core/secret-value';
import { CloudSqlSourceDatabase, CloudSqlSourceDatabaseProps } from '../../constructs/sources/cloud-sql-source-database';
import { RealtimePipeline } from '../../constructs/stages/realtime-pipeline';
import { problems, resources, resourceWhere, synth } from '../helpers';
import { connectCluster, kafkaCluster } from '../fixtures';

const base = (overrides: Partial<CloudSqlSourceDatabaseProps> = {}): CloudSqlSourceDatabaseProps => ({
  logicalName: 'shop',
  engine: 'mysql',
  region: 'us-central1',
  databaseName: 'shop',
  replicationPassword: SecretValue.fromVariable('shop_cdc_password'),
  tables: [{ name: 'orders', primaryKey: ['id'], columns: [{ name: 'email', sensitivity: 'pii' }], labels: ['sales'] }],
  ...overrides,
});

describe('CloudSqlSourceDatabase', () => {
  test('MySQL: binary logging on, full row images, 7 days of logs, TLS only, protected', () => {
    const json = synth((stack) => new CloudSqlSourceDatabase(stack, 'shop', base()));
    const [instance] = resources(json, 'google_sql_database_instance');
    expect(instance).toEqual({
      name: 'shop-db',
      region: 'us-central1',
      database_version: 'MYSQL_8_0',
      deletion_protection: true,
      lifecycle: { prevent_destroy: true },
      settings: {
        tier: 'db-custom-2-7680',
        availability_type: 'REGIONAL',
        deletion_protection_enabled: true,
        database_flags: [{ name: 'binlog_row_image', value: 'full' }],
        backup_configuration: { enabled: true, binary_log_enabled: true, transaction_log_retention_days: 7 },
        ip_configuration: { ipv4_enabled: true, ssl_mode: 'ENCRYPTED_ONLY' },
      },
    });
    expect(resources(json, 'google_sql_database')).toEqual([{ instance: '${google_sql_database_instance.shop_instance_AF97B067.name}', name: 'shop' }]);
    expect(resources(json, 'google_sql_user')).toEqual([
      { instance: '${google_sql_database_instance.shop_instance_AF97B067.name}', name: 'cdc', host: '%', password: '${var.shop_cdc_password}' },
    ]);
    expect(json.variable!.shop_cdc_password.sensitive).toBe(true);
  });

  test('PostgreSQL: logical decoding on, point-in-time recovery, private IP as the capture host', () => {
    let db!: CloudSqlSourceDatabase;
    const json = synth((stack) => {
      db = new CloudSqlSourceDatabase(stack, 'pay', base({
        logicalName: 'payouts', engine: 'postgres', databaseName: 'payouts', privateNetwork: 'projects/p/global/networks/data',
        logRetentionDays: 3, availabilityType: 'ZONAL', extraFlags: { 'max_connections': '200' }, labels: { owner: 'payouts' },
        replicationPassword: SecretValue.fromSecretManager('payouts-cdc'),
      }));
    });
    const [instance] = resources(json, 'google_sql_database_instance');
    expect(instance.database_version).toBe('POSTGRES_16');
    expect(instance.settings).toMatchObject({
      availability_type: 'ZONAL',
      database_flags: [{ name: 'max_connections', value: '200' }, { name: 'cloudsql.logical_decoding', value: 'on' }],
      backup_configuration: { enabled: true, point_in_time_recovery_enabled: true, transaction_log_retention_days: 3 },
      ip_configuration: { ipv4_enabled: false, private_network: 'projects/p/global/networks/data', ssl_mode: 'ENCRYPTED_ONLY' },
      user_labels: { owner: 'payouts' },
    });
    expect(db.host).toMatch(/^\$\{TfToken/);
    expect(db.port).toBe(5432);
    expect(db.connectionName).toMatch(/^\$\{TfToken/);
    expect(JSON.stringify(json)).not.toContain("public_ip_address");
    const [user] = resources(json, 'google_sql_user');
    expect(user).toMatchObject({ name: 'cdc', deletion_policy: 'ABANDON', password: expect.stringMatching(/^\$\{data\.google_secret_manager_secret_version\..*\.secret_data\}$/) });
    expect(user.host).toBeUndefined();
  });

  test('is a source database later stages capture: Debezium reaches the instance IP', () => {
    const json = synth((stack) => {
      const kafka = kafkaCluster(stack);
      const db = new CloudSqlSourceDatabase(stack, 'shop', base());
      new RealtimePipeline(stack, 'rt', { kafka, connect: connectCluster(stack, kafka), sources: [db], warehouse: { project: 'acme-data' } });
    });
    const source = resourceWhere(json, 'kafka-connect_connector', 'name', 'shop-mysql-source');
    expect(source.config).toMatchObject({ 'database.hostname': '${google_sql_database_instance.shop_instance_AF97B067.public_ip_address}', 'database.port': '3306', 'database.user': 'cdc', 'table.include.list': 'shop.orders' });
  });

  test('each bad prop is reported with what is allowed', () => {
    const found = problems((stack) => {
      new CloudSqlSourceDatabase(stack, 'bad', base({
        logicalName: '9shop', engine: 'oracle' as any, databaseVersion: 'MYSQL_5_6', instanceName: 'Shop_DB', databaseName: 'my db',
        replicationUser: 'cdc-user', logRetentionDays: 14, availabilityType: 'GLOBAL' as any, extraFlags: { binlog_row_image: 'minimal' },
        tables: [],
      }));
      new CloudSqlSourceDatabase(stack, 'mismatch', base({ engine: 'postgres', databaseVersion: 'MYSQL_8_0' }));
      new CloudSqlSourceDatabase(stack, 'old-pg', base({ engine: 'postgres', databaseVersion: 'POSTGRES_9_6' }));
      new CloudSqlSourceDatabase(stack, 'pg-flags', base({ engine: 'postgres', extraFlags: { 'cloudsql.logical_decoding': 'off' } }));
    });
    expect(found).toEqual([
      '[test/bad] logicalName: "9shop" is not valid; allowed: a letter, then letters, digits, \'_\' or \'-\'',
      '[test/bad] engine: "oracle" is not valid; allowed: mysql or postgres (Cloud SQL engines Debezium captures)',
      '[test/bad] databaseVersion: "MYSQL_5_6" is not valid; allowed: a POSTGRES_* version matching engine oracle',
      '[test/bad] instanceName: "Shop_DB" is not valid; allowed: 1-98 lowercase letters, digits or \'-\', starting with a letter',
      '[test/bad] databaseName: "my db" is not valid; allowed: a database name of letters, digits, \'_\', \'$\' or \'-\'',
      '[test/bad] replicationUser: "cdc-user" is not valid; allowed: 1-32 letters, digits or \'_\', not starting with a digit',
      '[test/bad] logRetentionDays: 14 is not valid; allowed: an integer from 1 to 7 (Cloud SQL keeps transaction logs at most 7 days)',
      '[test/bad] availabilityType: "GLOBAL" is not valid; allowed: REGIONAL or ZONAL',
      '[test/bad] tables: [] is not valid; allowed: at least one table',
      '[test/mismatch] databaseVersion: "MYSQL_8_0" is not valid; allowed: a POSTGRES_* version matching engine postgres',
      '[test/mismatch] databaseVersion: "MYSQL_8_0" is not valid; allowed: POSTGRES_10 or later (pgoutput needs 10+)',
      '[test/old-pg] databaseVersion: "POSTGRES_9_6" is not valid; allowed: POSTGRES_10 or later (pgoutput needs 10+)',
      "[test/pg-flags] extraFlags['cloudsql.logical_decoding']: \"off\" is not valid; allowed: a flag this construct does not set itself: CDC needs cloudsql.logical_decoding=on",
    ]);
  });

  test('a MySQL 5.6 instance is refused and the MySQL CDC flag cannot be overridden', () => {
    const found = problems((stack) => new CloudSqlSourceDatabase(stack, 'old', base({ databaseVersion: 'MYSQL_5_6', extraFlags: { binlog_row_image: 'minimal' } })));
    expect(found).toEqual([
      '[test/old] databaseVersion: "MYSQL_5_6" is not valid; allowed: MYSQL_5_7 or later (Debezium needs 5.7+)',
      "[test/old] extraFlags['binlog_row_image']: \"minimal\" is not valid; allowed: a flag this construct does not set itself: CDC needs binlog_row_image=full",
    ]);
  });
});
