import { isInterpolated, ModelBuilder } from '../builder';

/** BigQuery datasets, with the domain, owner and classification their labels carry. */
export function extractDatasets(b: ModelBuilder): void {
  for (const d of b.ofType('google_bigquery_dataset')) {
    const dsId = String(d.body.dataset_id ?? d.name);
    const id = `dataset:${dsId}`;
    const labels = d.body.labels ?? {};
    const details = [
      labels.domain ? `domain ${labels.domain}` : undefined,
      labels.owner && labels.owner !== labels.domain ? `owner ${labels.owner}` : undefined,
      labels.classification ? String(labels.classification) : undefined,
    ].filter(Boolean) as string[];
    if (labels.domain) b.domains.add(String(labels.domain));
    if (d.body.project && !isInterpolated(d.body.project)) b.datasetProjects.add(String(d.body.project));
    b.addNode({ id, kind: 'dataset', label: dsId, tech: 'BigQuery dataset', details, paths: [d.path] });
    b.datasetIdByAddr.set(`${d.type}.${d.name}`, id);
    b.datasetNodeByName.set(dsId, id);
  }
}
