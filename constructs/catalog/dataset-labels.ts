import { IConstruct } from 'constructs';
import { WarehouseDataset } from '../bigquery/warehouse-dataset';
import { validateProps } from '../core/validation';
import { DATA_SENSITIVITIES, DataSensitivity, SourceTable, tableSensitivity } from '../sources/source-table';
import { WarehouseFeed } from './data-inventory';

/** The most sensitive label among the tables landed in one dataset (a table's is its most sensitive column's). */
export function datasetClassification(tables: readonly SourceTable[]): DataSensitivity {
  let worst: DataSensitivity = 'public';
  for (const t of tables) {
    const s = tableSensitivity(t);
    if (DATA_SENSITIVITIES.indexOf(s) > DATA_SENSITIVITIES.indexOf(worst)) worst = s;
  }
  return tables.length === 0 ? 'internal' : worst;
}

/** The labels a dataset is written with: those given to it and those a later stage added. */
export function datasetLabels(dataset: WarehouseDataset): Record<string, string> {
  return { ...dataset.labels, ...(dataset.dataset.labelsInput ?? {}) };
}

/**
 * Adds to each fed dataset the labels governance requires that it lacks: `classification`, derived
 * from the sensitivity of the columns landing in it (see {@link datasetClassification}), and
 * `owner`, when given. Labels given by hand are never changed, and the labels object a user passed
 * is not mutated (datasets may share one), so a stage-2 pipeline moves to stage 4 by props on the
 * stage alone, and the only change to its datasets is labels added.
 */
export function labelFedDatasets(scope: IConstruct, feeds: readonly WarehouseFeed[], owner?: string): void {
  if (owner !== undefined) {
    validateProps(scope, (p) => p.check(/^[a-z0-9_-]{1,63}$/.test(owner), 'datasetOwner', owner, "a label value: 1-63 lowercase letters, digits, '_' or '-'"));
  }
  const tablesOf = new Map<WarehouseDataset, SourceTable[]>();
  for (const f of feeds) {
    const list = tablesOf.get(f.dataset) ?? [];
    list.push(...f.tables.map((t) => t.description));
    tablesOf.set(f.dataset, list);
  }
  for (const [dataset, tables] of tablesOf) {
    const labels = datasetLabels(dataset);
    const added: Record<string, string> = {};
    if (!labels.classification) added.classification = datasetClassification(tables);
    if (owner !== undefined && !labels.owner) added.owner = owner;
    if (Object.keys(added).length > 0) dataset.dataset.labels = { ...labels, ...added };
  }
}
