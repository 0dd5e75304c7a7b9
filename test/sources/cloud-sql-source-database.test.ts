import { SecretValue } from '../../constructs/core/secret-value';
import { CloudSqlSourceDatabase, CloudSqlSourceDatabaseProps } from '../../constructs/sources/cloud-sql-source-database';
import { PrivateServiceAccess } from '../../constructs/sources/private-service-access';
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
        edition: 'ENTERPRISE',
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
      db = new CloudSqlSourceDatabase(
        stack,
        'pay',
        base({
          logicalName: 'payouts',
          engine: 'postgres',
          databaseName: 'payouts',
          privateNetwork: 'projects/p/global/networks/data',
          privateServiceAccess: 'existing',
          logRetentionDays: 3,
          availabilityType: 'ZONAL',
          extraFlags: { max_connections: '200' },
          labels: { owner: 'payouts' },
          replicationPassword: SecretValue.fromSecretManager('payouts-cdc'),
        }),
      );
    });
    const [instance] = resources(json, 'google_sql_database_instance');
    expect(instance.database_version).toBe('POSTGRES_16');
    expect(instance.settings).toMatchObject({
      availability_type: 'ZONAL',
      database_flags: [
        { name: 'max_connections', value: '200' },
        { name: 'cloudsql.logical_decoding', value: 'on' },
      ],
      backup_configuration: { enabled: true, point_in_time_recovery_enabled: true, transaction_log_retention_days: 3 },
      ip_configuration: { ipv4_enabled: false, private_network: 'projects/p/global/networks/data', ssl_mode: 'ENCRYPTED_ONLY' },
      user_labels: { owner: 'payouts' },
    });
    expect(db.host).toMatch(/^\$\{TfToken/);
    expect(db.port).toBe(5432);
    expect(db.connectionName).toMatch(/^\$\{TfToken/);
    expect(JSON.stringify(json)).not.toContain('public_ip_address');
    const [user] = resources(json, 'google_sql_user');
    expect(user).toMatchObject({
      name: 'cdc',
      deletion_policy: 'ABANDON',
      password: expect.stringMatching(/^\$\{data\.google_secret_manager_secret_version\..*\.secret_data\}$/),
    });
    expect(user.host).toBeUndefined();
  });

  test('is a source database later stages capture: Debezium reaches the instance IP', () => {
    const json = synth((stack) => {
      const kafka = kafkaCluster(stack);
      const db = new CloudSqlSourceDatabase(stack, 'shop', base());
      new RealtimePipeline(stack, 'rt', { kafka, connect: connectCluster(stack, kafka), sources: [db], warehouse: { project: 'acme-data' } });
    });
    const source = resourceWhere(json, 'kafka-connect_connector', 'name', 'shop-mysql-source');
    expect(source.config).toMatchObject({
      'database.hostname': '${google_sql_database_instance.shop_instance_AF97B067.public_ip_address}',
      'database.port': '3306',
      'database.user': 'cdc',
      'table.include.list': 'shop.orders',
    });
  });

  test('each bad prop is reported with what is allowed', () => {
    const found = problems((stack) => {
      new CloudSqlSourceDatabase(
        stack,
        'bad',
        base({
          logicalName: '9shop',
          engine: 'oracle' as any,
          databaseVersion: 'MYSQL_5_6',
          instanceName: 'Shop_DB',
          databaseName: 'my db',
          replicationUser: 'cdc-user',
          logRetentionDays: 14,
          availabilityType: 'GLOBAL' as any,
          extraFlags: { binlog_row_image: 'minimal' },
          tables: [],
        }),
      );
      new CloudSqlSourceDatabase(stack, 'mismatch', base({ engine: 'postgres', databaseVersion: 'MYSQL_8_0' }));
      new CloudSqlSourceDatabase(stack, 'old-pg', base({ engine: 'postgres', databaseVersion: 'POSTGRES_9_6' }));
      new CloudSqlSourceDatabase(stack, 'pg-flags', base({ engine: 'postgres', extraFlags: { 'cloudsql.logical_decoding': 'off' } }));
    });
    expect(found).toEqual([
      "[test/bad] logicalName: \"9shop\" is not valid; allowed: a letter, then letters, digits, '_' or '-'",
      '[test/bad] engine: "oracle" is not valid; allowed: mysql or postgres (Cloud SQL engines Debezium captures)',
      '[test/bad] databaseVersion: "MYSQL_5_6" is not valid; allowed: a POSTGRES_* version matching engine oracle',
      '[test/bad] instanceName: "Shop_DB" is not valid; allowed: 1-98 lowercase letters, digits or \'-\', starting with a letter',
      "[test/bad] databaseName: \"my db\" is not valid; allowed: a database name of letters, digits, '_', '$' or '-'",
      '[test/bad] replicationUser: "cdc-user" is not valid; allowed: 1-32 letters, digits or \'_\', not starting with a digit',
      '[test/bad] logRetentionDays: 14 is not valid; allowed: an integer from 1 to 7 (Cloud SQL Enterprise keeps transaction logs at most 7 days)',
      '[test/bad] availabilityType: "GLOBAL" is not valid; allowed: REGIONAL or ZONAL',
      '[test/bad] tables: [] is not valid; allowed: at least one table',
      '[test/mismatch] databaseVersion: "MYSQL_8_0" is not valid; allowed: a POSTGRES_* version matching engine postgres',
      '[test/mismatch] databaseVersion: "MYSQL_8_0" is not valid; allowed: POSTGRES_10 or later (pgoutput needs 10+)',
      '[test/old-pg] databaseVersion: "POSTGRES_9_6" is not valid; allowed: POSTGRES_10 or later (pgoutput needs 10+)',
      '[test/pg-flags] extraFlags[\'cloudsql.logical_decoding\']: "off" is not valid; allowed: a flag this construct does not set itself: CDC needs cloudsql.logical_decoding=on',
    ]);
  });

  test('a MySQL 5.6 instance is refused and the MySQL CDC flag cannot be overridden', () => {
    const found = problems(
      (stack) => new CloudSqlSourceDatabase(stack, 'old', base({ databaseVersion: 'MYSQL_5_6', extraFlags: { binlog_row_image: 'minimal' } })),
    );
    expect(found).toEqual([
      '[test/old] databaseVersion: "MYSQL_5_6" is not valid; allowed: MYSQL_5_7 or later (Debezium needs 5.7+)',
      '[test/old] extraFlags[\'binlog_row_image\']: "minimal" is not valid; allowed: a flag this construct does not set itself: CDC needs binlog_row_image=full',
    ]);
  });
});

describe('CloudSqlSourceDatabase edition and tier (audit #1)', () => {
  // Provider 6.50 resource_sql_database_instance.go: settings.edition is Optional+Computed with no
  // default, so the Cloud SQL API picks it; for PostgreSQL 16+ it picks ENTERPRISE_PLUS, which
  // refuses db-custom-* tiers ("Invalid Tier (db-custom-2-7680) for (ENTERPRISE_PLUS) Edition").
  test('audit #1: the edition is always explicit: ENTERPRISE by default, so PostgreSQL 16 keeps its db-custom tier', () => {
    const json = synth((stack) => {
      new CloudSqlSourceDatabase(stack, 'pay', base({ logicalName: 'payouts', engine: 'postgres', databaseName: 'payouts' }));
      new CloudSqlSourceDatabase(stack, 'shop', base());
    });
    const [pg, my] = resources(json, 'google_sql_database_instance');
    expect(pg.database_version).toBe('POSTGRES_16');
    expect(pg.settings).toMatchObject({ edition: 'ENTERPRISE', tier: 'db-custom-2-7680' });
    expect(my.settings).toMatchObject({ edition: 'ENTERPRISE', tier: 'db-custom-2-7680' });
  });

  test('audit #1: Enterprise Plus takes a perf-optimized tier (its default) and up to 35 days of WAL on PostgreSQL', () => {
    const json = synth(
      (stack) =>
        new CloudSqlSourceDatabase(
          stack,
          'pay',
          base({ logicalName: 'payouts', engine: 'postgres', databaseName: 'payouts', edition: 'ENTERPRISE_PLUS', logRetentionDays: 21 }),
        ),
    );
    const [pg] = resources(json, 'google_sql_database_instance');
    expect(pg.settings).toMatchObject({
      edition: 'ENTERPRISE_PLUS',
      tier: 'db-perf-optimized-N-2',
      backup_configuration: { transaction_log_retention_days: 21 },
    });
  });

  test('audit #1: a tier or retention the edition refuses is refused at synth', () => {
    const found = problems((stack) => {
      new CloudSqlSourceDatabase(stack, 'plus-custom', base({ engine: 'postgres', edition: 'ENTERPRISE_PLUS', tier: 'db-custom-2-7680' }));
      new CloudSqlSourceDatabase(stack, 'ent-perf', base({ engine: 'postgres', tier: 'db-perf-optimized-N-4' }));
      new CloudSqlSourceDatabase(stack, 'pg-standard', base({ engine: 'postgres', tier: 'db-n1-standard-2' }));
      new CloudSqlSourceDatabase(stack, 'ent-retention', base({ engine: 'postgres', logRetentionDays: 14 }));
      new CloudSqlSourceDatabase(stack, 'plus-retention', base({ engine: 'postgres', edition: 'ENTERPRISE_PLUS', logRetentionDays: 36 }));
      new CloudSqlSourceDatabase(stack, 'plus-mysql-retention', base({ edition: 'ENTERPRISE_PLUS', logRetentionDays: 14 }));
      new CloudSqlSourceDatabase(stack, 'bad-edition', base({ edition: 'STANDARD' as any }));
    });
    expect(found).toEqual([
      '[test/plus-custom] tier: "db-custom-2-7680" is not valid; allowed: a db-perf-optimized-N-<vCPUs> tier: Cloud SQL Enterprise Plus refuses other tiers',
      '[test/ent-perf] tier: "db-perf-optimized-N-4" is not valid; allowed: a tier of the ENTERPRISE edition (db-perf-optimized-* tiers are Enterprise Plus only; set edition: \'ENTERPRISE_PLUS\')',
      '[test/pg-standard] tier: "db-n1-standard-2" is not valid; allowed: db-custom-<vCPUs>-<MB>, db-f1-micro or db-g1-small (Cloud SQL Enterprise for PostgreSQL takes only custom and shared-core machine types)',
      '[test/ent-retention] logRetentionDays: 14 is not valid; allowed: an integer from 1 to 7 (Cloud SQL Enterprise keeps transaction logs at most 7 days)',
      '[test/plus-retention] logRetentionDays: 36 is not valid; allowed: an integer from 1 to 35 (Cloud SQL Enterprise Plus for PostgreSQL keeps transaction logs at most 35 days)',
      '[test/plus-mysql-retention] logRetentionDays: 14 is not valid; allowed: an integer from 1 to 7 (the provider documents 35 days for PostgreSQL and SQL Server Enterprise Plus only)',
      '[test/bad-edition] edition: "STANDARD" is not valid; allowed: ENTERPRISE or ENTERPRISE_PLUS',
    ]);
  });
});

describe('CloudSqlSourceDatabase private IP (audits #11, #35)', () => {
  // Cloud SQL private IP needs Private Services Access on the network (an allocated range and a
  // service networking connection); the provider's sql_database_instance docs add that the instance
  // must depend on the connection explicitly. Without it, apply fails.
  test('audit #35: a private IP needs an explicit Private Services Access choice', () => {
    const found = problems((stack) => new CloudSqlSourceDatabase(stack, 'p', base({ privateNetwork: 'projects/p/global/networks/data' })));
    expect(found).toEqual([
      "[test/p] privateServiceAccess: undefined is not valid; allowed: a PrivateServiceAccess of network projects/p/global/networks/data (this stack creates the peering) or 'existing' (the network already has Private Services Access): a private IP fails at apply without it",
    ]);
  });

  test('audit #35: PrivateServiceAccess allocates a range, peers it with servicenetworking, and the instances wait for it', () => {
    const json = synth((stack) => {
      const psa = new PrivateServiceAccess(stack, 'psa', { network: 'projects/acme/global/networks/data-platform', project: 'acme' });
      new CloudSqlSourceDatabase(stack, 'a', base({ logicalName: 'a', privateServiceAccess: psa }));
      new CloudSqlSourceDatabase(
        stack,
        'b',
        base({ logicalName: 'b', privateNetwork: 'projects/acme/global/networks/data-platform', privateServiceAccess: psa }),
      );
    });
    expect(resources(json, 'google_compute_global_address')).toEqual([
      {
        name: 'data-platform-private-services',
        project: 'acme',
        purpose: 'VPC_PEERING',
        address_type: 'INTERNAL',
        prefix_length: 16,
        network: 'projects/acme/global/networks/data-platform',
      },
    ]);
    const [connection] = resources(json, 'google_service_networking_connection');
    expect(connection).toEqual({
      network: 'projects/acme/global/networks/data-platform',
      service: 'servicenetworking.googleapis.com',
      reserved_peering_ranges: [expect.stringMatching(/^\$\{google_compute_global_address\.psa_range_[0-9A-F]+\.name\}$/)],
      deletion_policy: 'ABANDON',
    });
    const instances = resources(json, 'google_sql_database_instance');
    expect(instances).toHaveLength(2);
    for (const i of instances) {
      expect(i.depends_on).toEqual([expect.stringMatching(/^google_service_networking_connection\.psa_connection_[0-9A-F]+$/)]);
      expect(i.settings.ip_configuration).toMatchObject({ ipv4_enabled: false, private_network: 'projects/acme/global/networks/data-platform' });
    }
  });

  test("audit #35: 'existing' declares the prerequisite; a PrivateServiceAccess of another network is refused", () => {
    const json = synth(
      (stack) => new CloudSqlSourceDatabase(stack, 'p', base({ privateNetwork: 'projects/p/global/networks/data', privateServiceAccess: 'existing' })),
    );
    const [instance] = resources(json, 'google_sql_database_instance');
    expect(instance.depends_on).toBeUndefined();
    expect(resources(json, 'google_service_networking_connection')).toEqual([]);
    const found = problems((stack) => {
      const psa = new PrivateServiceAccess(stack, 'psa', { network: 'projects/p/global/networks/other', prefixLength: 30 });
      new CloudSqlSourceDatabase(stack, 'p', base({ privateNetwork: 'projects/p/global/networks/data', privateServiceAccess: psa }));
      new CloudSqlSourceDatabase(stack, 'q', base({ logicalName: 'q', privateServiceAccess: 'existing' }));
    });
    expect(found).toEqual([
      '[test/psa] prefixLength: 30 is not valid; allowed: an integer from 8 to 24 (Cloud SQL needs at least a /24 range)',
      '[test/p] privateServiceAccess: "projects/p/global/networks/other" is not valid; allowed: a PrivateServiceAccess of privateNetwork projects/p/global/networks/data',
      '[test/q] privateServiceAccess: "existing" is not valid; allowed: only with privateNetwork (or a PrivateServiceAccess, whose network it then uses)',
    ]);
  });

  test('audit #11: publicIp keeps a public IP beside the private one (no authorized networks), for BigQuery federation', () => {
    let db!: CloudSqlSourceDatabase;
    const json = synth((stack) => {
      db = new CloudSqlSourceDatabase(
        stack,
        'p',
        base({ privateNetwork: 'projects/p/global/networks/data', privateServiceAccess: 'existing', publicIp: true }),
      );
    });
    const [instance] = resources(json, 'google_sql_database_instance');
    expect(instance.settings.ip_configuration).toEqual({ ipv4_enabled: true, private_network: 'projects/p/global/networks/data', ssl_mode: 'ENCRYPTED_ONLY' });
    expect(db.publicIpEnabled).toBe(true);
    expect(db.host).toMatch(/^\$\{TfToken/);
    expect(JSON.stringify(json)).not.toContain('authorized_networks');
    expect(problems((stack) => new CloudSqlSourceDatabase(stack, 'x', base({ publicIp: false })))).toEqual([
      '[test/x] publicIp: false is not valid; allowed: true without privateNetwork (an instance needs a public or a private IP)',
    ]);
  });
});

describe('CloudSqlSourceDatabase PostgreSQL CDC prerequisites (audit #17)', () => {
  // The Cloud SQL API creates users without the REPLICATION attribute, and Debezium's
  // PostgresConnector.checkLoginReplicationRoles only logs it, so apply passes and the task fails at
  // start. CREATE PUBLICATION … FOR TABLE (and the ALTER PUBLICATION … SET TABLE that Debezium's
  // 'filtered' mode runs on every start) needs ownership of the tables, which the cdc user lacks.
  test('audit #17: the REPLICATION attribute and a DBA-created publication are a prerequisite, given as an output with the exact SQL', () => {
    let db!: CloudSqlSourceDatabase;
    const json = synth((stack) => {
      db = new CloudSqlSourceDatabase(
        stack,
        'pay',
        base({
          logicalName: 'payouts',
          engine: 'postgres',
          databaseName: 'payouts',
          tables: [
            { name: 'payouts', primaryKey: ['id'] },
            { name: 'billing.payout_items', primaryKey: ['id'] },
          ],
        }),
      );
    }) as any;
    expect(db.cdcPublication).toBe('payouts_publication');
    expect(db.cdcSetupSql).toBe(
      [
        '-- CDC setup of Cloud SQL instance payouts-db, database payouts: run once before the CDC connector starts.',
        '-- Terraform cannot: the Cloud SQL API creates users without REPLICATION, and only a table owner may publish a table.',
        '-- 1. As the postgres user (cloudsqlsuperuser):',
        'ALTER ROLE "cdc" WITH REPLICATION;',
        '-- 2. As the owner of the tables:',
        'GRANT USAGE ON SCHEMA "public", "billing" TO "cdc";',
        'GRANT SELECT ON TABLE "public"."payouts", "billing"."payout_items" TO "cdc";',
        'CREATE PUBLICATION "payouts_publication" FOR TABLE "public"."payouts", "billing"."payout_items";',
      ].join('\n'),
    );
    const outputs = Object.values<any>(json.output ?? {});
    expect(outputs).toEqual([expect.objectContaining({ value: db.cdcSetupSql, description: expect.stringContaining('prerequisite') })]);
  });

  test('audit #17: MySQL needs no setup SQL (Cloud SQL users get REPLICATION SLAVE and CLIENT)', () => {
    let db!: CloudSqlSourceDatabase;
    const json = synth((stack) => {
      db = new CloudSqlSourceDatabase(stack, 'shop', base());
    }) as any;
    expect(db.cdcSetupSql).toBeUndefined();
    expect(db.cdcPublication).toBeUndefined();
    expect(json.output).toBeUndefined();
  });
});
