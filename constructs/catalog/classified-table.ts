import { Construct } from 'constructs';
import { DataResource, TerraformElement, TerraformLocal, TerraformStack, TerraformVariable } from 'cdktf';
import { BigqueryTable } from '@cdktf/provider-google/lib/bigquery-table';
import { DataGoogleBigqueryTable } from '@cdktf/provider-google/lib/data-google-bigquery-table';
import { DataGoogleBigqueryTables } from '@cdktf/provider-google/lib/data-google-bigquery-tables';
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
  /** The source column declares no type, so `type` is a guess (STRING). @default false */
  readonly guessedType?: boolean;
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
   * Take over the table the sink created, as when a running pipeline moves to stage 4: imported if
   * it exists (created otherwise), with the columns it has kept (see the class doc). Needs the
   * dataset to exist at plan, unless the stack variable `adopt_existing_tables` is false.
   * @default false (Terraform creates the table, with its tagged columns, before the sink writes)
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
 * The BigQuery sink owns the table's schema: it creates the table and adds a column whenever a
 * record gains a field (`allowNewBigQueryFields`). Terraform must never shrink it. hashicorp/google
 * 6.x drops, in place (`ALTER TABLE … DROP COLUMN`), every top-level column the config does not
 * declare, and neither `prevent_destroy` nor deletion protection stops an in-place update. So:
 *
 * - Terraform declares only the columns it must manage: those carrying a policy tag, and a
 *   RECORD (the sink's key field) holding one, declared with all its sub-fields, each of which must
 *   have its source type (a wrong type would force replacing the table). Every other column is the
 *   sink's.
 * - `ignore_auto_generated_schema = true`: the provider keeps the columns the config does not
 *   declare out of the plan (`generated_schema_columns`), sends them back on every update and drops
 *   none. A column the sink adds is never in a plan.
 * - A tagged column whose declared type differs from the live one would force a replacement, which
 *   `prevent_destroy` stops at plan (nothing is lost); declare source types (the
 *   `ColumnTypesDeclared` governance rule warns on untyped ones).
 *
 * Policy tags get onto the columns through the declared schema: Terraform creates the table with
 * its tagged columns before the sink writes (the sink adds the rest), or, with `adoptExisting`,
 * takes over the table the sink created:
 *
 * - the import happens only if the table exists (`import` with `for_each` over
 *   `data.google_bigquery_tables`): a table the sink never created (an empty source table, a sink
 *   that fails) is created by Terraform instead of failing the plan;
 * - an imported table enters the state with all its columns (the provider reads it with no config),
 *   and an update whose schema lacks any of them fails. So the schema of an adopted table is its live
 *   columns as read at adoption (`data.google_bigquery_table`), kept in a `terraform_data` whose
 *   input never changes afterwards (`ignore_changes`), with the declared tags merged into the tagged
 *   columns (their live type is kept) and REQUIRED relaxed to NULLABLE (what the sink does itself
 *   with `allowBigQueryRequiredFieldRelaxation`). Columns the sink adds later are, again, ignored.
 * - the stack variable `adopt_existing_tables` (default true) turns the reads off: set it to false
 *   where there is nothing to adopt (a first deploy, where the dataset does not exist yet; an offline
 *   plan). The adopted columns, once kept, stay as they are.
 *
 * The table is deletion-protected and `prevent_destroy`.
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
  /** The columns Terraform declares (those carrying a tag, and a RECORD holding one), before policy tag names are resolved; the sink owns every other column. */
  public readonly fields: WarehouseField[];
  /** Declared (tagged) source columns without a source type, declared STRING here (which may not match what the sink writes). */
  public readonly untypedColumns: string[];

  constructor(scope: Construct, id: string, props: ClassifiedTableProps) {
    super(scope, id);
    // Required props checked at run time too (plain JavaScript, ts-node --transpile-only).
    validateProps.required(this, props, { dataset: 'WarehouseDataset', tableId: 'string', classification: 'DataClassification', columns: 'SourceColumn[]' });
    this.tableId = props.tableId;
    this.datasetId = props.dataset.datasetId;
    const classification = props.classification;
    const allFields: WarehouseField[] = [
      ...props.columns.map((c): WarehouseField => ({
        name: c.name,
        type: bigQueryTypeOf(c.type),
        sensitivity: c.sensitivity ?? 'internal',
        guessedType: !c.type,
      })),
      ...(props.extraFields ?? []),
    ];
    const isTagged = (f: WarehouseField): boolean =>
      (f.sensitivity !== undefined && classification.policyTagName(f.sensitivity) !== undefined) || (f.fields ?? []).some(isTagged);
    this.fields = allFields.filter(isTagged);
    this.untypedColumns = this.fields.filter((f) => f.guessedType && !f.fields).map((f) => f.name);
    this.validate(props, allFields);
    for (const f of allFields) {
      if (f.sensitivity && classification.policyTagName(f.sensitivity)) this.taggedColumns[f.name] = f.sensitivity;
    }
    const declared = this.fields.map((f) => renderField(f, classification));
    const tagged = Object.entries(this.taggedColumns);
    this.table = new BigqueryTable(this, 'table', {
      project: props.dataset.project,
      datasetId: props.dataset.dataset.datasetId,
      tableId: props.tableId,
      description:
        props.description ??
        (tagged.length > 0 ? `Classified columns: ${tagged.map(([c, l]) => `${c} (${l})`).join(', ')}` : 'No column carries a protected label.'),
      schema: props.adoptExisting ? undefined : declared.length > 0 ? JSON.stringify(declared) : undefined,
      // Columns the config does not declare are the sink's: never in a plan, never dropped.
      ignoreAutoGeneratedSchema: true,
      // As the sink creates its tables: partitioned by ingestion day.
      timePartitioning: { type: 'DAY' },
      deletionProtection: true,
      lifecycle: { preventDestroy: true },
    });
    if (props.adoptExisting) this.adopt(props, declared);
  }

  /** Checks the table id, the columns' names and sensitivities, the types of key columns Terraform declares, and the taxonomy's location. */
  private validate(props: ClassifiedTableProps, allFields: WarehouseField[]): void {
    const names = allFields.map((f) => f.name.toLowerCase());
    const datasetLocation = (props.dataset.dataset.locationInput ?? 'US').toLowerCase();
    validateProps(this, (p) => {
      p.check(/^[A-Za-z0-9_]{1,1024}$/.test(props.tableId), 'tableId', props.tableId, "1-1024 letters, digits or '_'");
      p.check(props.columns.length > 0, 'columns', props.columns, 'at least one column');
      allFields.forEach((f, i) => {
        p.check(COLUMN_NAME.test(f.name), `fields[${i}].name`, f.name, "a letter or '_' then up to 299 letters, digits or '_'");
        p.check(names.indexOf(f.name.toLowerCase()) === i, `fields[${i}].name`, f.name, 'each column once (BigQuery names are case-insensitive)');
        if (f.sensitivity !== undefined)
          p.check(DATA_SENSITIVITIES.includes(f.sensitivity), `fields[${i}].sensitivity`, f.sensitivity, DATA_SENSITIVITIES.join(', '));
      });
      this.fields.forEach((f, i) =>
        (f.fields ?? []).forEach((sub, j) => {
          if (sub.guessedType) {
            p.add(
              `fields[${i}].fields[${j}].type`,
              sub.name,
              `a declared source type: key column ${sub.name} is in a RECORD that carries a tagged column, so Terraform declares it, and a wrong type would force replacing the table`,
            );
          }
        }),
      );
      p.check(
        props.classification.region === datasetLocation,
        'classification',
        props.classification.region,
        `a taxonomy in the dataset's location (${datasetLocation}): policy tags apply only to tables in their own location`,
      );
    });
  }

  /** Imports the table if it exists, and declares the columns it has at adoption with the tags merged in. */
  private adopt(props: ClassifiedTableProps, declared: Record<string, unknown>[]): void {
    const project = props.dataset.project;
    const stack = TerraformStack.of(this);
    if (!stack.node.tryFindChild(ADOPT_VARIABLE)) {
      new TerraformVariable(stack, ADOPT_VARIABLE, {
        type: 'bool',
        default: true,
        description:
          'ClassifiedTable: read the warehouse tables that already exist, import them and keep their columns. ' +
          'false where there is nothing to adopt (a first deploy: the datasets do not exist yet; an offline plan).',
      });
    }
    const list = new DataGoogleBigqueryTables(this, 'existing-tables', { project, datasetId: props.dataset.datasetId });
    list.addOverride('count', `\${var.${ADOPT_VARIABLE} ? 1 : 0}`);
    const listAddress = `data.${list.terraformResourceType}.${list.friendlyUniqueId}`;
    const existing = `[for t in flatten(${listAddress}[*].tables) : t.table_id if t.table_id == "${props.tableId}"]`;
    const live = new DataGoogleBigqueryTable(this, 'live-table', { project, datasetId: props.dataset.datasetId, tableId: props.tableId });
    live.addOverride('count', `\${length([for t in flatten(${listAddress}[*].tables) : t if t.table_id == "${props.tableId}"])}`);
    const liveAddress = `data.${live.terraformResourceType}.${live.friendlyUniqueId}`;
    // The live columns as read at adoption; ignore_changes keeps them, and `.input` is known at plan.
    const adopted = new DataResource(this, 'adopted-columns', { lifecycle: { ignoreChanges: ['input'] } });
    adopted.addOverride(
      'input',
      `\${replace(jsonencode(flatten([for s in ${liveAddress}[*].schema : jsondecode(s)])), "\\"mode\\":\\"REQUIRED\\"", "\\"mode\\":\\"NULLABLE\\"")}`,
    );
    const declaredLocal = new TerraformLocal(this, 'declared-columns', declared);
    const d = `local.${declaredLocal.friendlyUniqueId}`;
    const byNameLocal = new TerraformLocal(this, 'declared-columns-by-name', `\${{ for c in ${d} : c.name => c }}`);
    const m = `local.${byNameLocal.friendlyUniqueId}`;
    const kept = `jsondecode(${adopted.terraformResourceType}.${adopted.friendlyUniqueId}.input)`;
    // Live order kept; a tagged scalar keeps its live column and gets description and tag; a
    // declared RECORD is the declared one; declared columns the table lacks come last. Each element
    // is rendered to JSON on its own, as the columns' object types differ.
    this.table.schema =
      `[\${join(",", concat(` +
      `[for f in ${kept} : contains(keys(${m}), f.name) ? (can(${m}[f.name].fields) ? jsonencode(${m}[f.name]) : jsonencode(merge(f, { description = ${m}[f.name].description, policyTags = ${m}[f.name].policyTags }))) : jsonencode(f)], ` +
      `[for c in ${d} : jsonencode(c) if !contains([for f in ${kept} : f.name], c.name)]` +
      `))}]`;
    new ConditionalImport(this, 'import', {
      forEach: `\${toset(${existing})}`,
      to: `${this.table.terraformResourceType}.${this.table.friendlyUniqueId}`,
      id: `projects/${project}/datasets/${props.dataset.datasetId}/tables/${props.tableId}`,
    });
  }
}

/** Name of the stack variable that turns the adoption reads of {@link ClassifiedTable} on and off. */
export const ADOPT_VARIABLE = 'adopt_existing_tables';

/** An `import` block with `for_each` (Terraform 1.7+), which cdktf's `importFrom` cannot write. */
class ConditionalImport extends TerraformElement {
  constructor(
    scope: Construct,
    id: string,
    private readonly spec: { forEach: string; to: string; id: string },
  ) {
    super(scope, id, 'import');
  }

  public toTerraform(): any {
    return { import: [{ for_each: this.spec.forEach, to: this.spec.to, id: this.spec.id }] };
  }

  public toHclTerraform(): any {
    return this.toTerraform();
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
        return { name: k, type: bigQueryTypeOf(column?.type), sensitivity: column?.sensitivity ?? 'internal', guessedType: !column?.type };
      }),
    });
  }
  if (sinkConfig.transforms?.split(',').includes('unwrap')) {
    const added = (sinkConfig['transforms.unwrap.add.fields'] ?? '').split(',').filter(Boolean);
    for (const a of added) out.push({ name: `__${a.replace(/\./g, '_')}`, type: a.endsWith('ts_ms') ? 'INTEGER' : 'STRING', description: `Debezium ${a}` });
    if (sinkConfig['transforms.unwrap.delete.tombstone.handling.mode'] === 'rewrite')
      out.push({ name: '__deleted', type: 'STRING', description: 'Debezium delete marker' });
  }
  return out;
}

/** One declared column as BigQuery's schema JSON: mode NULLABLE unless set, its description (or its sensitivity), its RECORD fields, its policy tag. */
function renderField(f: WarehouseField, classification: DataClassification): Record<string, unknown> {
  const tag = f.sensitivity ? classification.policyTagName(f.sensitivity) : undefined;
  return {
    name: f.name,
    type: f.type,
    mode: f.mode ?? 'NULLABLE',
    ...(f.description ? { description: f.description } : f.sensitivity && f.sensitivity !== 'internal' ? { description: `sensitivity: ${f.sensitivity}` } : {}),
    ...(f.fields ? { fields: f.fields.map((sub) => renderField(sub, classification)) } : {}),
    ...(tag ? { policyTags: { names: [tag] } } : {}),
  };
}
