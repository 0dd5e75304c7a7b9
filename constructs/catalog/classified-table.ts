import { Construct } from 'constructs';
import { BigqueryTable } from '@cdktf/provider-google/lib/bigquery-table';
import { validateProps } from '../core/validation';
import { WarehouseDataset } from '../bigquery/warehouse-dataset';
import { DATA_SENSITIVITIES, DataSensitivity, SourceColumn } from '../sources/source-table';
import { DataClassification } from './data-classification';

/** A BigQuery column as the table schema declares it. */
export interface WarehouseField {
  /** Column name. */
  readonly name: string;
  /** BigQuery type: STRING, INTEGER, FLOAT, NUMERIC, BOOLEAN, TIMESTAMP, DATE, BYTES, JSON or RECORD. */
  readonly type: string;
  /** NULLABLE or REPEATED (REQUIRED would stop the sink from relaxing it). @default 'NULLABLE' */
  readonly mode?: 'NULLABLE' | 'REPEATED';
  /** Description. @default none */
  readonly description?: string;
  /** Sub-fields of a RECORD. @default none */
  readonly fields?: WarehouseField[];
  /** Sensitivity label; a protected label puts the classification's policy tag on the column. @default none */
  readonly sensitivity?: DataSensitivity;
}

/** Props of {@link ClassifiedTable}. */
export interface ClassifiedTableProps {
  /** Dataset the table lives in. */
  readonly dataset: WarehouseDataset;
  /** Table id, as the sink names it (see {@link bigQueryTableIdForTopic}). */
  readonly tableId: string;
  /** The classification whose policy tags label the columns. */
  readonly classification: DataClassification;
  /** The source columns, with their sensitivity labels and source types. */
  readonly columns: SourceColumn[];
  /** Fields the sink adds besides the source's columns (record key, Debezium metadata). @default none */
  readonly extraFields?: WarehouseField[];
  /**
   * Take over a table the sink already created (a Terraform `import` block), as when a running
   * pipeline moves to stage 4. Leave off for tables that do not exist yet.
   * @default false
   */
  readonly adoptExisting?: boolean;
  /** Table description. @default a sentence naming the labelled columns */
  readonly description?: string;
}

const COLUMN_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,299}$/;

/**
 * BigQuery type a source column lands as through Debezium and the BigQuery sink, from the type
 * the source database names (`varchar`, `bigint`, `decimal(18,2)`, `timestamp with time zone`…).
 * Unknown or missing types land as STRING.
 */
export function bigQueryTypeOf(sourceType: string | undefined): string {
  const t = (sourceType ?? '').toLowerCase().replace(/\(.*$/, '').trim();
  if (/^(tinyint|smallint|mediumint|int|integer|bigint|int2|int4|int8|serial|bigserial|smallserial|year)( unsigned)?$/.test(t)) return 'INTEGER';
  if (/^(float|double|double precision|real|float4|float8)$/.test(t)) return 'FLOAT';
  // Debezium's precise decimals reach the sink as Connect Decimal, which it writes as FLOAT.
  if (/^(decimal|numeric|money)$/.test(t)) return 'FLOAT';
  if (/^(bool|boolean|bit)$/.test(t)) return 'BOOLEAN';
  if (/^(date)$/.test(t)) return 'DATE';
  if (/^(datetime|timestamp|timestamptz|timestamp with time zone|timestamp without time zone)$/.test(t)) return 'TIMESTAMP';
  if (/^(blob|tinyblob|mediumblob|longblob|binary|varbinary|bytea)$/.test(t)) return 'BYTES';
  return 'STRING';
}

/** The table the BigQuery sink writes a topic into, with `sanitizeTopics` on. */
export function bigQueryTableIdForTopic(topic: string): string {
  const id = topic.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[0-9]/.test(id) ? `_${id}` : id;
}

/**
 * A warehouse table whose columns carry the policy tags of their sensitivity labels, so
 * column-level security follows the labels given on the source table: a column labelled `pii`
 * is readable only by members granted Fine-Grained Reader on the `pii` tag.
 *
 * Terraform owns the declared schema (the source's columns plus what the sink adds). The table
 * is deletion-protected and `prevent_destroy`: if the sink adds a column nobody declared, the
 * next plan stops (a schema that would shrink forces replacement) instead of dropping data, until
 * the column is declared, and so classified, on the source table.
 */
export class ClassifiedTable extends Construct {
  /** The table resource. */
  public readonly table: BigqueryTable;
  /** Table id. */
  public readonly tableId: string;
  /** Dataset id. */
  public readonly datasetId: string;
  /** Columns that carry a policy tag, by name. */
  public readonly taggedColumns: Record<string, DataSensitivity> = {};
  /** The schema as declared (before policy tag names are resolved). */
  public readonly fields: WarehouseField[];
  /** Source columns declared without a type, which land as STRING here (and may not match what the sink writes). */
  public readonly untypedColumns: string[];

  constructor(scope: Construct, id: string, props: ClassifiedTableProps) {
    super(scope, id);
    // Required props checked at run time too (plain JavaScript, ts-node --transpile-only).
    validateProps.required(this, props, { dataset: 'WarehouseDataset', tableId: 'string', classification: 'DataClassification', columns: 'SourceColumn[]' });
    this.tableId = props.tableId;
    this.datasetId = props.dataset.datasetId;
    const classification = props.classification;
    this.untypedColumns = props.columns.filter((c) => !c.type).map((c) => c.name);
    this.fields = [
      ...props.columns.map((c): WarehouseField => ({ name: c.name, type: bigQueryTypeOf(c.type), sensitivity: c.sensitivity ?? 'internal' })),
      ...(props.extraFields ?? []),
    ];
    const names = this.fields.map((f) => f.name.toLowerCase());
    const datasetLocation = (props.dataset.dataset.locationInput ?? 'US').toLowerCase();
    validateProps(this, (p) => {
      p.check(/^[A-Za-z0-9_]{1,1024}$/.test(props.tableId), 'tableId', props.tableId, "1-1024 letters, digits or '_'");
      p.check(props.columns.length > 0, 'columns', props.columns, 'at least one column');
      this.fields.forEach((f, i) => {
        p.check(COLUMN_NAME.test(f.name), `fields[${i}].name`, f.name, "a letter or '_' then up to 299 letters, digits or '_'");
        p.check(names.indexOf(f.name.toLowerCase()) === i, `fields[${i}].name`, f.name, 'each column once (BigQuery names are case-insensitive)');
        if (f.sensitivity !== undefined) p.check(DATA_SENSITIVITIES.includes(f.sensitivity), `fields[${i}].sensitivity`, f.sensitivity, DATA_SENSITIVITIES.join(', '));
      });
      p.check(
        classification.region === datasetLocation,
        'classification',
        classification.region,
        `a taxonomy in the dataset's location (${datasetLocation}): policy tags apply only to tables in their own location`,
      );
    });
    for (const f of this.fields) {
      if (f.sensitivity && classification.policyTagName(f.sensitivity)) this.taggedColumns[f.name] = f.sensitivity;
    }
    const render = (f: WarehouseField): Record<string, unknown> => {
      const tag = f.sensitivity ? classification.policyTagName(f.sensitivity) : undefined;
      return {
        name: f.name,
        type: f.type,
        mode: f.mode ?? 'NULLABLE',
        ...(f.description ? { description: f.description } : f.sensitivity && f.sensitivity !== 'internal' ? { description: `sensitivity: ${f.sensitivity}` } : {}),
        ...(f.fields ? { fields: f.fields.map(render) } : {}),
        ...(tag ? { policyTags: { names: [tag] } } : {}),
      };
    };
    const tagged = Object.entries(this.taggedColumns);
    this.table = new BigqueryTable(this, 'table', {
      project: props.dataset.project,
      datasetId: props.dataset.dataset.datasetId,
      tableId: props.tableId,
      description:
        props.description ??
        (tagged.length > 0 ? `Classified columns: ${tagged.map(([c, l]) => `${c} (${l})`).join(', ')}` : 'No column carries a protected label.'),
      schema: JSON.stringify(this.fields.map(render)),
      // As the sink creates its tables: partitioned by ingestion day.
      timePartitioning: { type: 'DAY' },
      deletionProtection: true,
      lifecycle: { preventDestroy: true },
    });
    if (props.adoptExisting) {
      this.table.importFrom(`projects/${props.dataset.project}/datasets/${props.dataset.datasetId}/tables/${props.tableId}`);
    }
  }
}

/**
 * Fields the BigQuery sink writes besides the source's columns, read from its connector config:
 * the record key (`kafkaKeyFieldName`, a RECORD of the primary key), and the Debezium metadata the
 * unwrap transform adds (`__op`, `__source_ts_ms`, and `__deleted` when deletes are rewritten).
 */
export function fieldsAddedBySink(sinkConfig: Record<string, string>, primaryKey: string[], columns: SourceColumn[] = []): WarehouseField[] {
  const out: WarehouseField[] = [];
  const keyField = sinkConfig.kafkaKeyFieldName;
  if (keyField) {
    out.push({
      name: keyField,
      type: 'RECORD',
      description: 'Kafka record key',
      fields: primaryKey.map((k) => {
        const column = columns.find((c) => c.name === k);
        return { name: k, type: bigQueryTypeOf(column?.type), sensitivity: column?.sensitivity ?? 'internal' };
      }),
    });
  }
  if (sinkConfig.transforms?.split(',').includes('unwrap')) {
    const added = (sinkConfig['transforms.unwrap.add.fields'] ?? '').split(',').filter(Boolean);
    for (const a of added) out.push({ name: `__${a.replace(/\./g, '_')}`, type: a.endsWith('ts_ms') ? 'INTEGER' : 'STRING', description: `Debezium ${a}` });
    if (sinkConfig['transforms.unwrap.delete.tombstone.handling.mode'] === 'rewrite') out.push({ name: '__deleted', type: 'STRING', description: 'Debezium delete marker' });
  }
  return out;
}
