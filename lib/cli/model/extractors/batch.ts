import { ModelBuilder, sqlSourceId } from '../builder';

/** Airflow on Cloud Composer: each DAG's dataset, and the database it loads from. */
export function extractComposerBatch(b: ModelBuilder): void {
  for (const env of b.ofType('google_composer_environment')) {
    const id = `batch:${env.body.name ?? env.name}`;
    b.addNode({ id, kind: 'batch', label: String(env.body.name ?? env.name), tech: 'Airflow (Cloud Composer)', paths: [env.path] });
    const dags = b.ofType('google_storage_bucket_object').filter((o) => o.refs.has(`${env.type}.${env.name}`) && typeof o.body.content === 'string');
    for (const dag of dags) {
      const content: string = dag.body.content;
      const dataset = /^DATASET\s*=\s*"([^"]+)"/m.exec(content)?.[1];
      const source = /^SOURCE\s*=\s*"([^"]+)"/m.exec(content)?.[1];
      const dagId = /dag_id\s*=\s*"([^"]+)"/.exec(content)?.[1];
      if (dagId) b.nodes.get(id)!.details.push(`DAG ${dagId}`);
      if (dataset) b.addEdge(id, b.datasetFor(dataset, dag.path)!, 'writes');
      // The database a DAG reads: a resource beside the DAG (its connection secret) refers to it.
      const scope = dag.path.slice(0, dag.path.lastIndexOf('/') + 1);
      const sql = b.all
        .filter((r) => r.path.startsWith(scope))
        .flatMap((r) => [...r.refs])
        .find((a) => a.startsWith('google_sql_database_instance.'));
      if (sql && b.nodes.has(sqlSourceId(sql))) b.addEdge(sqlSourceId(sql), id, 'loads');
      else if (source) b.addEdge(b.sourceFor(undefined, 'database', source, dag.path), id, 'loads');
    }
  }
}

/** BigQuery scheduled queries: the datasets their query writes, and the Cloud SQL instance it federates. */
export function extractScheduledQueries(b: ModelBuilder): void {
  for (const tc of b.ofType('google_bigquery_data_transfer_config')) {
    const id = `batch:${tc.body.display_name ?? tc.name}`;
    b.addNode({
      id,
      kind: 'batch',
      label: String(tc.body.display_name ?? tc.name),
      tech: 'BigQuery scheduled query',
      details: tc.body.schedule ? [String(tc.body.schedule)] : [],
      paths: [tc.path],
    });
    const query = String(tc.body.params?.query ?? '');
    // Where it writes: its destination dataset, or the tables its query creates or fills.
    const targets = new Set<string>();
    if (tc.body.destination_dataset_id) targets.add(tc.body.destination_dataset_id);
    for (const m of query.matchAll(/\b(?:TABLE|INSERT\s+INTO|MERGE(?:\s+INTO)?)\s+`?(?:[\w-]+\.)?(\w+)\.\w+`?/gi)) targets.add(m[1]);
    for (const t of targets) {
      const ds = b.datasetFor(t, tc.path);
      if (ds) b.addEdge(id, ds, 'writes');
    }
    // The federated connection it queries: referenced, or named in its EXTERNAL_QUERY.
    const conns = b
      .ofType('google_bigquery_connection')
      .filter(
        (c) =>
          tc.refs.has(`${c.type}.${c.name}`) ||
          (typeof c.body.connection_id === 'string' && new RegExp(`EXTERNAL_QUERY\\s*\\(\\s*["'][^"']*\\b${c.body.connection_id}["']`).test(query)),
      );
    for (const conn of conns) {
      const sql = [...conn.refs].find((a) => a.startsWith('google_sql_database_instance.'));
      if (sql && b.nodes.has(sqlSourceId(sql))) b.addEdge(sqlSourceId(sql), id, 'loads');
    }
  }
}
