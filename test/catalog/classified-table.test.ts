import { WarehouseDataset } from '../../constructs/bigquery/warehouse-dataset';
import { bigQueryTableIdForTopic, bigQueryTypeOf, ClassifiedTable, fieldsAddedBySink } from '../../constructs/catalog/classified-table';
import { DataClassification } from '../../constructs/catalog/data-classification';
import { problems, resources, synth } from '../helpers';

const TAG = (label: string) => expect.stringMatching(new RegExp(`^\\$\\{google_data_catalog_policy_tag\\.classification_tag-${label}_[0-9A-F]+\\.name\\}$`));

describe('ClassifiedTable', () => {
  test('columns carry the policy tag of their label; the table is protected from destroy', () => {
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
        extraFields: fieldsAddedBySink({ kafkaKeyFieldName: 'kafka_key', transforms: 'unwrap', 'transforms.unwrap.add.fields': 'op,source.ts_ms', 'transforms.unwrap.delete.tombstone.handling.mode': 'tombstone' }, ['id'], [{ name: 'id', type: 'bigint' }]),
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
    });
    expect(JSON.parse(table.schema)).toEqual([
      { name: 'id', type: 'INTEGER', mode: 'NULLABLE' },
      { name: 'email', type: 'STRING', mode: 'NULLABLE', description: 'sensitivity: pii', policyTags: { names: [TAG('pii')] } },
      { name: 'tax_id', type: 'STRING', mode: 'NULLABLE', description: 'sensitivity: pii-high', policyTags: { names: [TAG('pii-high')] } },
      { name: 'created_at', type: 'TIMESTAMP', mode: 'NULLABLE' },
      { name: 'kafka_key', type: 'RECORD', mode: 'NULLABLE', description: 'Kafka record key', fields: [{ name: 'id', type: 'INTEGER', mode: 'NULLABLE' }] },
      { name: '__op', type: 'STRING', mode: 'NULLABLE', description: 'Debezium op' },
      { name: '__source_ts_ms', type: 'INTEGER', mode: 'NULLABLE', description: 'Debezium source.ts_ms' },
    ]);
    expect(json).not.toHaveProperty('import');
  });

  test('adopting a table the sink already created writes an import block', () => {
    const json = synth((stack) => {
      const classification = new DataClassification(stack, 'classification', { project: 'acme-data' });
      const dataset = new WarehouseDataset(stack, 'ds', { project: 'acme-data', datasetId: 'shop_cdc' });
      new ClassifiedTable(stack, 't', { dataset, classification, tableId: 'shop_public_orders', columns: [{ name: 'email', sensitivity: 'pii' }], adoptExisting: true });
    }) as any;
    expect(json.import).toEqual([{ id: 'projects/acme-data/datasets/shop_cdc/tables/shop_public_orders', to: expect.stringMatching(/^google_bigquery_table\.t_table_[0-9A-F]+$/) }]);
  });

  test('type mapping follows what Debezium and the sink produce', () => {
    expect(['bigint', 'INT unsigned', 'decimal(18,2)', 'double precision', 'tinyint(1)', 'bool', 'timestamp with time zone', 'date', 'bytea', 'jsonb', undefined].map(bigQueryTypeOf)).toEqual([
      'INTEGER', 'INTEGER', 'FLOAT', 'FLOAT', 'INTEGER', 'BOOLEAN', 'TIMESTAMP', 'DATE', 'BYTES', 'STRING', 'STRING',
    ]);
    expect(bigQueryTableIdForTopic('monolith.wepay.users')).toBe('monolith_wepay_users');
    expect(bigQueryTableIdForTopic('1x-y')).toBe('_1x_y');
    expect(fieldsAddedBySink({ transforms: 'unwrap', 'transforms.unwrap.add.fields': 'op', 'transforms.unwrap.delete.tombstone.handling.mode': 'rewrite' }, ['id']).map((f) => f.name)).toEqual(['__op', '__deleted']);
  });

  test('a taxonomy in another location than the dataset, bad and repeated columns are refused', () => {
    const found = problems((stack) => {
      const classification = new DataClassification(stack, 'classification', { project: 'acme-data', region: 'eu' });
      const dataset = new WarehouseDataset(stack, 'ds', { project: 'acme-data', datasetId: 'shop_cdc' });
      new ClassifiedTable(stack, 't', { dataset, classification, tableId: 'bad-id', columns: [{ name: 'Email', sensitivity: 'pii' }, { name: 'email' }, { name: '1st' }] });
    });
    expect(found).toEqual([
      '[test/t] tableId: "bad-id" is not valid; allowed: 1-1024 letters, digits or \'_\'',
      '[test/t] fields[1].name: "email" is not valid; allowed: each column once (BigQuery names are case-insensitive)',
      '[test/t] fields[2].name: "1st" is not valid; allowed: a letter or \'_\' then up to 299 letters, digits or \'_\'',
      "[test/t] classification: \"eu\" is not valid; allowed: a taxonomy in the dataset's location (us): policy tags apply only to tables in their own location",
    ]);
  });
});
