import { ModelBuilder } from '../builder';

/** Policy-tag taxonomies, their tags and readers, and the datasets whose tables carry their tags. */
export function extractClassification(b: ModelBuilder): void {
  for (const tx of b.ofType('google_data_catalog_taxonomy')) {
    const id = `classification:${tx.body.display_name ?? tx.name}`;
    b.addNode({ id, kind: 'classification', label: String(tx.body.display_name ?? tx.name), tech: 'policy-tag taxonomy', paths: [tx.path] });
  }
  for (const tag of b.ofType('google_data_catalog_policy_tag')) {
    b.policyTags.push(String(tag.body.display_name ?? tag.name));
    const tx = [...tag.refs].find((a) => a.startsWith('google_data_catalog_taxonomy.'));
    const txNode = tx ? `classification:${b.byAddr.get(tx)?.body.display_name ?? tx.split('.')[1]}` : undefined;
    if (txNode && b.nodes.has(txNode)) {
      b.tagToTaxonomy.set(`${tag.type}.${tag.name}`, txNode);
      b.nodes.get(txNode)!.details.push(String(tag.body.display_name ?? tag.name));
    }
  }
  for (const m of b.ofType('google_data_catalog_policy_tag_iam_member', 'google_data_catalog_policy_tag_iam_binding')) {
    const tag = [...m.refs].find((a) => a.startsWith('google_data_catalog_policy_tag.'));
    const tx = tag ? b.tagToTaxonomy.get(tag) : undefined;
    const members: string[] = [m.body.member ?? m.body.members ?? []].flat();
    for (const raw of members)
      if (tx) b.grants.push({ on: tx, principal: b.principalName(String(raw)), access: String(m.body.role), write: false, path: m.path });
  }
  for (const tbl of b.ofType('google_bigquery_table')) {
    const txs = new Set([...tbl.refs].map((a) => b.tagToTaxonomy.get(a)).filter(Boolean) as string[]);
    const schema = typeof tbl.body.schema === 'string' ? tbl.body.schema : '';
    if (txs.size === 0 && !/policyTags/.test(schema)) continue;
    const ds = b.datasetFor(tbl.body.dataset_id, tbl.path);
    b.classifiedTables.push(`${ds ? b.nodes.get(ds)!.label : tbl.body.dataset_id}.${tbl.body.table_id}`);
    for (const tx of txs) if (ds) b.addEdge(tx, ds, 'classifies');
  }
}
