import { ModelBuilder } from '../builder';

/** DLP job triggers: one scan node per scanned dataset, and where findings are saved. */
export function extractDlpScans(b: ModelBuilder): void {
  for (const trig of b.ofType('google_data_loss_prevention_job_trigger')) {
    const ref = trig.body.inspect_job?.storage_config?.big_query_options?.table_reference;
    const ds = ref ? b.datasetFor(ref.dataset_id, trig.path, ref.project_id) : undefined;
    const key = ds ?? 'unscoped';
    const id = `dlp:${key.replace(/^dataset:/, '')}`;
    const existing = b.nodes.get(id);
    const table = ref?.table_id ? String(ref.table_id) : undefined;
    b.addNode({
      id,
      kind: 'dlp',
      label: ds ? `DLP scan of ${b.nodes.get(ds)!.label}` : 'DLP scan',
      tech: 'Cloud DLP job trigger',
      paths: [trig.path],
      details: table ? [`table ${table}`] : [],
    });
    if (existing === undefined && ds) b.addEdge(id, ds, 'scans');
    // Findings saved to a BigQuery table: the scan writes there.
    for (const action of [trig.body.inspect_job?.actions ?? []].flat()) {
      const out = action?.save_findings?.output_config?.table;
      const findings = out ? b.datasetFor(out.dataset_id, trig.path, out.project_id) : undefined;
      if (findings && findings !== ds) b.addEdge(id, findings, 'writes');
    }
  }
}
