import { consumerId, ModelBuilder } from '../builder';
import { aclMatches } from './captures';

const READ_ROLES = /dataViewer|\.user$|metadataViewer|dataOwner|fineGrainedReader|bigquery\.reader/i;
const WRITE_ROLES = /dataEditor|dataOwner|admin/i;

const isServiceAgent = (member: string): boolean => /\$\{|@(dlp-api|gcp-sa-[\w-]+|bigquery-encryption)\./.test(member);

/** Service accounts that a sink or scheduler runs as: their access is the pipeline's own, not a consumer's. */
function pipelineAccounts(b: ModelBuilder): Set<string> {
  const out = new Set<string>();
  for (const r of b.ofType('google_composer_environment', 'google_bigquery_data_transfer_config')) {
    for (const a of r.refs) if (a.startsWith('google_service_account.')) out.add(b.principalName(`\${${a}.email}`));
  }
  const connectors = b.connectors;
  for (const r of b.ofType('google_service_account')) {
    // Sink accounts sit beside their connector; the path says so.
    const scope = r.path.split('/').slice(0, -2).join('/');
    if (connectors.some((c) => c.path.startsWith(`${scope}/`))) out.add(`serviceAccount:${r.body.account_id}`);
  }
  return out;
}

/** Dataset IAM and access entries: grants, and consumers that read or write a dataset. */
export function extractDatasetGrants(b: ModelBuilder): void {
  const own = pipelineAccounts(b);
  for (const m of b.ofType('google_bigquery_dataset_iam_member', 'google_bigquery_dataset_iam_binding', 'google_bigquery_dataset_access')) {
    const ds = b.datasetFor(m.body.dataset_id, m.path);
    if (!ds) continue;
    const members: string[] =
      m.type === 'google_bigquery_dataset_iam_binding'
        ? [m.body.members ?? []].flat()
        : m.type === 'google_bigquery_dataset_access'
          ? [
              m.body.user_by_email && `user:${m.body.user_by_email}`,
              m.body.group_by_email && `group:${m.body.group_by_email}`,
              m.body.special_group && `special:${m.body.special_group}`,
            ].filter(Boolean)
          : [m.body.member];
    const role = String(m.body.role ?? 'roles/bigquery.dataViewer');
    for (const raw of members) {
      const principal = b.principalName(String(raw));
      const write = WRITE_ROLES.test(role);
      b.grants.push({ on: ds, principal, access: role, write, path: m.path });
      if (own.has(principal) || isServiceAgent(String(raw))) continue;
      if (READ_ROLES.test(role) || write) {
        const id = consumerId(principal);
        b.addNode({ id, kind: 'consumer', label: principal, tech: 'consumer', paths: [m.path], declared: false });
        if (write) b.addEdge(id, ds, 'writes');
        else b.addEdge(ds, id, 'reads');
      }
    }
  }
}

/** Kafka topic ACLs: grants, and consumers reading data topics (not the pipeline's own principals). */
export function extractKafkaGrants(b: ModelBuilder): void {
  const acls = b.ofType('kafka_acl');
  // Principals the pipeline itself runs as: Connect workers and capture agents.
  const pipelinePrincipals = new Set<string>();
  const connectorNames = b.connectors.map((c) => String(c.body.name ?? c.body.config?.name ?? ''));
  for (const a of acls) {
    const acl = a.body;
    const relatesToConnector = connectorNames.some((n) => n && String(acl.resource_name).includes(n));
    if (relatesToConnector || (acl.acl_operation === 'Write' && acl.resource_type === 'Topic')) pipelinePrincipals.add(String(acl.acl_principal));
  }
  for (const n of b.nodes.values()) if (n.id.startsWith('capture:producer:')) pipelinePrincipals.add(n.label);
  for (const a of acls) {
    const acl = a.body;
    if (acl.resource_type !== 'Topic') continue;
    // A literal ACL on a topic this stack does not create still says something about that topic.
    if (acl.resource_pattern_type_filter === 'Literal' && acl.resource_name !== '*') b.ensureTopic(String(acl.resource_name), a.path);
    const principal = String(acl.acl_principal);
    const topics = [...b.nodes.values()].filter((n) => n.kind === 'topic' && aclMatches(acl, n.label));
    for (const t of topics) {
      b.grants.push({
        on: t.id,
        principal,
        access: `${acl.acl_permission_type} ${acl.acl_operation}`,
        write: acl.acl_operation !== 'Read' && acl.acl_operation !== 'Describe',
        path: a.path,
      });
    }
    if (acl.acl_permission_type !== 'Allow' || acl.acl_operation !== 'Read' || pipelinePrincipals.has(principal) || topics.every((t) => t.internal)) continue;
    const id = consumerId(principal);
    b.addNode({ id, kind: 'consumer', label: principal, tech: 'consumer', paths: [a.path], declared: false });
    for (const t of topics) if (!t.internal) b.addEdge(t.id, id, 'reads');
  }
}
