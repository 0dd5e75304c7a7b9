/** Sensitivity labels a column or table can carry; stage 4 derives policy tags and DLP scans from them. */
export type DataSensitivity = 'public' | 'internal' | 'confidential' | 'pii' | 'pii-high' | 'pci' | 'phi';

/** All sensitivity labels. */
export const DATA_SENSITIVITIES: readonly DataSensitivity[] = ['public', 'internal', 'confidential', 'pii', 'pii-high', 'pci', 'phi'];

/** Labels that mean the data is sensitive and needs scanning and column-level security. */
export const SENSITIVE_LABELS: readonly DataSensitivity[] = ['pii', 'pii-high', 'pci', 'phi'];

/** A column of a source table. */
export interface SourceColumn {
  /** Column name. */
  readonly name: string;
  /** Column type as the database names it (informational). @default unknown */
  readonly type?: string;
  /** Sensitivity label. @default 'internal' */
  readonly sensitivity?: DataSensitivity;
}

/** A table of a source database that pipelines capture. */
export interface SourceTable {
  /**
   * Table name. PostgreSQL: `schema.table` (a bare name means schema `public`);
   * MySQL/MariaDB: `table` in the database, or `database.table`.
   */
  readonly name: string;
  /** Primary key columns, in order. CDC needs a key to keep per-row order and to upsert. */
  readonly primaryKey: string[];
  /** Columns worth describing (sensitivity labels, types). @default none described */
  readonly columns?: SourceColumn[];
  /** Free-form labels used by sink selectors, e.g. `['payments', 'core']`. @default none */
  readonly labels?: string[];
}

/** A table's sensitivity: the most sensitive label among its columns. */
export function tableSensitivity(table: SourceTable): DataSensitivity {
  const order = DATA_SENSITIVITIES;
  let worst: DataSensitivity = 'public';
  for (const c of table.columns ?? []) {
    const s = c.sensitivity ?? 'internal';
    if (order.indexOf(s) > order.indexOf(worst)) worst = s;
  }
  return (table.columns ?? []).length === 0 ? 'internal' : worst;
}
