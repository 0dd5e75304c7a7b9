import { WarehouseDataset } from '../../constructs/bigquery/warehouse-dataset';
import { bigQueryTableIdForTopic, bigQueryTypeOf, ClassifiedTable, fieldsAddedBySink } from '../../constructs/catalog/classified-table';
import { DataClassification } from '../../constructs/catalog/data-classification';
import { SourceColumn } from '../../constructs/sources/source-table';
import { problems, resources, synth } from '../helpers';

const TAG = (label: string) => expect.stringMatching(new RegExp(`^\\$\\{google_data_catalog_policy_tag\\.classification_tag-${label}_[0-9A-F]+\\.name\\}$`));

describe('ClassifiedTable', () => {
  test('tagged columns carry the policy tag of their label; the table is protected from destroy', () => {
    const json = synth((stack) => {
      const classification = new DataClassification(stack, 'classification', { project: 'acme-data' });
      const dataset = new WarehouseDataset(stack, 'ds', { project: 'acme-data', datasetId: 'monolith_cdc' });
      new ClassifiedTable(stack, 'users', {
        dataset,
        classification,
        tableId: 'monolith_wepay_users',
        columns: [
          { name: 'id', type: 'bigint' },
          { name: 'email', type: 'varchar', sensitivity: 'pii' },
          { name: 'tax_id', type: 'varchar(20)', sensitivity: 'pii-high' },
          { name: 'created_at', type: 'datetime', sensitivity: 'internal' },
        ],
        extraFields: fieldsAddedBySink(
          {
            kafkaKeyFieldName: 'kafka_key',
            transforms: 'unwrap',
            'transforms.unwrap.add.fields': 'op,source.ts_ms',
            'transforms.unwrap.delete.tombstone.handling.mode': 'tombstone',
          },
          ['id'],
          [{ name: 'id', type: 'bigint' }],
        ),
      });
    });
    const [table] = resources(json, 'google_bigquery_table');
    expect(table).toMatchObject({
      project: 'acme-data',
      table_id: 'monolith_wepay_users',
      dataset_id: expect.stringMatching(/^\$\{google_bigquery_dataset\.ds_dataset_[0-9A-F]+\.dataset_id\}$/),
      deletion_protection: true,
      lifecycle: { prevent_destroy: true },
      time_partitioning: { type: 'DAY' },
      description: 'Classified columns: email (pii), tax_id (pii-high)',
      ignore_auto_generated_schema: true,
    });
    expect(JSON.parse(table.schema)).toEqual([
      { name: 'email', type: 'STRING', mode: 'NULLABLE', description: 'sensitivity: pii', policyTags: { names: [TAG('pii')] } },
      { name: 'tax_id', type: 'STRING', mode: 'NULLABLE', description: 'sensitivity: pii-high', policyTags: { names: [TAG('pii-high')] } },
    ]);
    expect(json).not.toHaveProperty('import');
    expect(json.data).toBeUndefined();
  });

  test('type mapping follows what Debezium and the sink produce', () => {
    expect(
      [
        'bigint',
        'INT unsigned',
        'decimal(18,2)',
        'double precision',
        'tinyint(1)',
        'bool',
        'timestamp with time zone',
        'date',
        'bytea',
        'jsonb',
        undefined,
      ].map(bigQueryTypeOf),
    ).toEqual(['INTEGER', 'INTEGER', 'FLOAT', 'FLOAT', 'INTEGER', 'BOOLEAN', 'TIMESTAMP', 'DATE', 'BYTES', 'STRING', 'STRING']);
    expect(bigQueryTableIdForTopic('monolith.wepay.users')).toBe('monolith_wepay_users');
    expect(bigQueryTableIdForTopic('1x-y')).toBe('_1x_y');
    expect(
      fieldsAddedBySink({ transforms: 'unwrap', 'transforms.unwrap.add.fields': 'op', 'transforms.unwrap.delete.tombstone.handling.mode': 'rewrite' }, [
        'id',
      ]).map((f) => f.name),
    ).toEqual(['__op', '__deleted']);
  });

  test('a taxonomy in another location than the dataset, bad and repeated columns are refused', () => {
    const found = problems((stack) => {
      const classification = new DataClassification(stack, 'classification', { project: 'acme-data', region: 'eu' });
      const dataset = new WarehouseDataset(stack, 'ds', { project: 'acme-data', datasetId: 'shop_cdc' });
      new ClassifiedTable(stack, 't', {
        dataset,
        classification,
        tableId: 'bad-id',
        columns: [{ name: 'Email', sensitivity: 'pii' }, { name: 'email' }, { name: '1st' }],
      });
    });
    expect(found).toEqual([
      '[test/t] tableId: "bad-id" is not valid; allowed: 1-1024 letters, digits or \'_\'',
      '[test/t] fields[1].name: "email" is not valid; allowed: each column once (BigQuery names are case-insensitive)',
      "[test/t] fields[2].name: \"1st\" is not valid; allowed: a letter or '_' then up to 299 letters, digits or '_'",
      '[test/t] classification: "eu" is not valid; allowed: a taxonomy in the dataset\'s location (us): policy tags apply only to tables in their own location',
    ]);
  });
});

describe('ClassifiedTable never shrinks a sink-owned schema (audit #8)', () => {
  // Provider 6.50 resource_bigquery_table.go: top-level columns missing from the config are
  // dropped in place ("dropping top level columns can happen in-place", then ALTER TABLE … DROP
  // COLUMN) unless ignore_auto_generated_schema is true: then Read keeps undeclared live columns out
  // of the state (generated_schema_columns) and Update sends them back and drops nothing.
  const sinkConfig = {
    kafkaKeyFieldName: 'kafka_key',
    transforms: 'unwrap',
    'transforms.unwrap.add.fields': 'op,source.ts_ms',
    'transforms.unwrap.delete.tombstone.handling.mode': 'rewrite',
  };
  const users = (
    stack: any,
    extra: Partial<ConstructorParameters<typeof ClassifiedTable>[2]> = {},
    columns: SourceColumn[] = [
      { name: 'id', type: 'bigint' },
      { name: 'email', type: 'varchar', sensitivity: 'pii' },
      { name: 'tax_id', sensitivity: 'pii-high' },
      { name: 'created_at', type: 'datetime', sensitivity: 'internal' },
    ],
    primaryKey = ['id'],
  ) => {
    const classification = new DataClassification(stack, 'classification', { project: 'acme-data' });
    const dataset = new WarehouseDataset(stack, 'ds', { project: 'acme-data', datasetId: 'monolith_cdc' });
    return new ClassifiedTable(stack, 'users', {
      dataset,
      classification,
      tableId: 'monolith_wepay_users',
      columns,
      extraFields: fieldsAddedBySink(sinkConfig, primaryKey, columns),
      ...extra,
    });
  };

  test('audit #8: Terraform declares only the columns it tags and ignores every other column, so what the sink adds is never dropped', () => {
    let t!: ClassifiedTable;
    const json = synth((stack) => {
      t = users(stack);
    });
    const [table] = resources(json, 'google_bigquery_table');
    expect(table.ignore_auto_generated_schema).toBe(true);
    expect(table.lifecycle).toEqual({ prevent_destroy: true });
    expect(JSON.parse(table.schema)).toEqual([
      { name: 'email', type: 'STRING', mode: 'NULLABLE', description: 'sensitivity: pii', policyTags: { names: [TAG('pii')] } },
      { name: 'tax_id', type: 'STRING', mode: 'NULLABLE', description: 'sensitivity: pii-high', policyTags: { names: [TAG('pii-high')] } },
    ]);
    expect(t.fields.map((f) => f.name)).toEqual(['email', 'tax_id']);
    expect(t.untypedColumns).toEqual(['tax_id']);
    expect(t.taggedColumns).toEqual({ email: 'pii', tax_id: 'pii-high' });
  });

  test('audit #8: a key RECORD carrying a tagged column is declared with every key column, which must have its real type', () => {
    const columns: SourceColumn[] = [{ name: 'email', type: 'varchar', sensitivity: 'pii' }, { name: 'shard', type: 'int' }, { name: 'note' }];
    const json = synth((stack) => users(stack, {}, columns, ['email', 'shard']));
    const [table] = resources(json, 'google_bigquery_table');
    expect(JSON.parse(table.schema)).toEqual([
      { name: 'email', type: 'STRING', mode: 'NULLABLE', description: 'sensitivity: pii', policyTags: { names: [TAG('pii')] } },
      {
        name: 'kafka_key',
        type: 'RECORD',
        mode: 'NULLABLE',
        description: 'Kafka record key',
        fields: [
          { name: 'email', type: 'STRING', mode: 'NULLABLE', description: 'sensitivity: pii', policyTags: { names: [TAG('pii')] } },
          { name: 'shard', type: 'INTEGER', mode: 'NULLABLE' },
        ],
      },
    ]);
    const found = problems((stack) =>
      users(stack, {}, [{ name: 'email', type: 'varchar', sensitivity: 'pii' }, { name: 'shard' }], ['email', 'shard', 'region']),
    );
    expect(found).toEqual([
      '[test/users] fields[1].fields[1].type: "shard" is not valid; allowed: a declared source type: key column shard is in a RECORD that carries a tagged column, so Terraform declares it, and a wrong type would force replacing the table',
      '[test/users] fields[1].fields[2].type: "region" is not valid; allowed: a declared source type: key column region is in a RECORD that carries a tagged column, so Terraform declares it, and a wrong type would force replacing the table',
    ]);
  });

  test('audit #8: adopting imports the table only if it exists (import for_each over google_bigquery_tables), so a table the sink never created is created instead of failing the plan', () => {
    const json = synth((stack) => users(stack, { adoptExisting: true })) as any;
    expect(json.variable.adopt_existing_tables).toEqual({ type: 'bool', default: true, description: expect.stringContaining('import') });
    const [list] = Object.values<any>(json.data.google_bigquery_tables);
    expect(list).toMatchObject({ project: 'acme-data', dataset_id: 'monolith_cdc', count: '${var.adopt_existing_tables ? 1 : 0}' });
    const listAddress = `data.google_bigquery_tables.${Object.keys(json.data.google_bigquery_tables)[0]}`;
    expect(json.import).toEqual([
      {
        for_each: `\${toset([for t in flatten(${listAddress}[*].tables) : t.table_id if t.table_id == "monolith_wepay_users"])}`,
        to: expect.stringMatching(/^google_bigquery_table\.users_table_[0-9A-F]+$/),
        id: 'projects/acme-data/datasets/monolith_cdc/tables/monolith_wepay_users',
      },
    ]);
    const [live] = Object.values<any>(json.data.google_bigquery_table);
    expect(live).toMatchObject({
      project: 'acme-data',
      dataset_id: 'monolith_cdc',
      table_id: 'monolith_wepay_users',
      count: `\${length([for t in flatten(${listAddress}[*].tables) : t if t.table_id == "monolith_wepay_users"])}`,
    });
  });

  test('audit #8: an adopted table keeps every column it had at adoption (frozen, REQUIRED relaxed) with the tags merged in, so the first plan removes nothing', () => {
    const json = synth((stack) => users(stack, { adoptExisting: true })) as any;
    const liveAddress = `data.google_bigquery_table.${Object.keys(json.data.google_bigquery_table)[0]}`;
    const [frozenName, frozen] = Object.entries<any>(json.resource.terraform_data)[0];
    expect(frozen).toEqual({
      input: `\${replace(jsonencode(flatten([for s in ${liveAddress}[*].schema : jsondecode(s)])), "\\"mode\\":\\"REQUIRED\\"", "\\"mode\\":\\"NULLABLE\\"")}`,
      lifecycle: { ignore_changes: ['input'] },
    });
    const declaredName = Object.keys(json.locals).find((k) => Array.isArray(json.locals[k]))!;
    const byName = Object.keys(json.locals).find((k) => k !== declaredName)!;
    expect(json.locals[declaredName].map((f: any) => f.name)).toEqual(['email', 'tax_id']);
    expect(json.locals[byName]).toBe(`\${{ for c in local.${declaredName} : c.name => c }}`);
    const [table] = resources(json, 'google_bigquery_table');
    expect(table.ignore_auto_generated_schema).toBe(true);
    const kept = `jsondecode(terraform_data.${frozenName}.input)`;
    const m = `local.${byName}`;
    expect(table.schema).toBe(
      `[\${join(",", concat(` +
        `[for f in ${kept} : contains(keys(${m}), f.name) ? (can(${m}[f.name].fields) ? jsonencode(${m}[f.name]) : jsonencode(merge(f, { description = ${m}[f.name].description, policyTags = ${m}[f.name].policyTags }))) : jsonencode(f)], ` +
        `[for c in local.${declaredName} : jsonencode(c) if !contains([for f in ${kept} : f.name], c.name)]` +
        `))}]`,
    );
  });
});
