import { WarehouseDataset } from '../bigquery/warehouse-dataset';
import { ClassifiedTable } from '../catalog/classified-table';
import { datasetLabels } from '../catalog/dataset-labels';
import { DlpTableScan } from '../dlp/dlp-table-scan';
import { KafkaAcl } from '../kafka/kafka-acl';
import { IKafkaPlatform } from '../kafka/kafka-platform';
import { KafkaTopic } from '../kafka/kafka-topic';
import { DATA_SENSITIVITIES, DataSensitivity } from '../sources/source-table';
import { COMPLIANT, GovernanceRule, isLiteral, nonCompliant, NOT_APPLICABLE, RuleLevel, terraformAttributes, terraformTypeOf } from './governance-rule';

const DAY_MS = 86400000;
const PUBLIC_MEMBERS = ['allUsers', 'allAuthenticatedUsers'];

function labelsText(labels: readonly DataSensitivity[]): string {
  return labels.join('/');
}

/** Datasets carry an `owner` label and a `classification` label naming a sensitivity level. */
export const datasetOwnerAndClassification: GovernanceRule = {
  id: 'DatasetOwnerAndClassification',
  description: "Every dataset has an 'owner' label and a 'classification' label naming a sensitivity level.",
  reason: 'Someone must answer for each dataset (GDPR Art. 30 records of processing) and its handling follows its classification.',
  level: 'error',
  check(node) {
    if (!(node instanceof WarehouseDataset)) return NOT_APPLICABLE;
    const labels = datasetLabels(node);
    const missing: string[] = [];
    if (!labels.owner) missing.push("'owner'");
    const c = labels.classification;
    if (!c) missing.push("'classification'");
    else if (!DATA_SENSITIVITIES.includes(c as DataSensitivity)) {
      return nonCompliant(`dataset ${node.datasetId} has classification "${c}"; allowed: ${DATA_SENSITIVITIES.join(', ')}`);
    }
    return missing.length === 0
      ? COMPLIANT
      : nonCompliant(`dataset ${node.datasetId} lacks the ${missing.join(' and ')} label${missing.length > 1 ? 's' : ''}`);
  },
};

/** No IAM binding names allUsers or allAuthenticatedUsers. */
export const noPublicAccess: GovernanceRule = {
  id: 'NoPublicAccess',
  description: 'No IAM binding grants allUsers or allAuthenticatedUsers.',
  reason: 'Warehouse, catalog and topic data is never public; one public binding exposes everything under it.',
  level: 'error',
  check(node) {
    const type = terraformTypeOf(node);
    if (!type || !/_iam_(member|binding|policy)$/.test(type)) return NOT_APPLICABLE;
    const attrs = terraformAttributes(node) ?? {};
    const members = [attrs.member, ...((attrs.members as unknown[]) ?? [])].filter((m): m is string => typeof m === 'string');
    const policy = typeof attrs.policy_data === 'string' ? attrs.policy_data : '';
    const found = [...members.filter((m) => PUBLIC_MEMBERS.includes(m)), ...PUBLIC_MEMBERS.filter((m) => policy.includes(`"${m}"`))];
    return found.length === 0 ? COMPLIANT : nonCompliant(`${type} grants ${attrs.role ?? 'a role'} to ${found.join(', ')}`);
  },
};

/** Kafka platforms are reached over TLS. */
export const kafkaTls: GovernanceRule = {
  id: 'KafkaTls',
  description: 'Kafka clients reach the brokers over TLS.',
  reason: 'Change events carry whole rows, sensitive columns included (PCI DSS 4.2.1, HIPAA 164.312(e)); SASL credentials too.',
  level: 'error',
  check(node) {
    const platform = node as Partial<IKafkaPlatform>;
    if (typeof platform.platformKind !== 'string' || typeof platform.tlsEnabled !== 'boolean') return NOT_APPLICABLE;
    return platform.tlsEnabled ? COMPLIANT : nonCompliant(`Kafka platform ${node.node.id} has tlsEnabled false; allowed: true`);
  },
};

/** Resource types whose `secret` attribute names a secret rather than holding it. */
const SECRET_REFERENCE_TYPES = ['google_secret_manager_secret_version', 'google_secret_manager_secret'];
const SECRET_WORDS = ['password', 'passwd', 'secret', 'token', 'credential', 'credentials', 'apikey'];
const KEY_QUALIFIERS = ['private', 'api', 'service', 'access', 'secret', 'signing', 'encryption', 'auth'];

/**
 * Whether an attribute or config key holds a secret, judged by its last word: `sasl_password`,
 * `auth_token`, `database.password`, `private_key`, `key_json` and any JAAS config do;
 * `secrets-backend`, `scram_mechanism` and `keyfile` (a path) do not.
 */
export function isSecretKey(key: string): boolean {
  if (/jaas/i.test(key)) return true;
  const words = key
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  const last = words[words.length - 1] ?? '';
  const before = words[words.length - 2] ?? '';
  if (SECRET_WORDS.includes(last)) return true;
  if (last === 'key') return KEY_QUALIFIERS.includes(before);
  return last === 'json' && before === 'key';
}

/**
 * Whether a block holds a reference to a secret (its name and version), not the secret: Cloud Run's
 * `value_source.secret_key_ref` (what `CdcWorkerService` writes) and any other `*_ref` /
 * `*_reference` block, Cloud Run's secret volumes (`volumes[].secret`) and Cloud Functions'
 * `secret_environment_variables` / `secret_volumes`.
 */
export function isSecretReferenceBlock(path: string): boolean {
  const words = (path.split('.').pop() ?? '')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  const last = words[words.length - 1] ?? '';
  if (last === 'ref' || last === 'reference') return true;
  if (/(^|\.)(secret_environment_variables|secret_volumes)$/.test(path)) return true;
  return /(^|\.)volumes\.\d+\.secret$/.test(path);
}

function findInlineSecrets(value: unknown, path: string, out: string[]): void {
  if (value && typeof value === 'object') {
    if (path && isSecretReferenceBlock(path)) return;
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) findInlineSecrets(v, path ? `${path}.${k}` : k, out);
    return;
  }
  // Connector configs use dotted keys (`database.password`): judge the key inside the map.
  const key = path.split(/\b(?:config|config_sensitive)\./).pop() ?? path;
  if (isSecretKey(key) && isLiteral(value)) out.push(path);
}

/** No password, token or key is written literally into the configuration. */
export const noInlineSecret: GovernanceRule = {
  id: 'NoInlineSecret',
  description: 'Passwords, tokens and keys come from sensitive variables or Secret Manager, never literals.',
  reason: 'A literal ends up in cdktf.out, in Git and in every plan log (PCI DSS 8.3.2).',
  level: 'error',
  check(node) {
    const type = terraformTypeOf(node);
    if (!type || SECRET_REFERENCE_TYPES.includes(type)) return NOT_APPLICABLE;
    const attrs = terraformAttributes(node);
    if (!attrs) return NOT_APPLICABLE;
    const found: string[] = [];
    findInlineSecrets(attrs, '', found);
    return found.length === 0
      ? COMPLIANT
      : nonCompliant(`${type} has a literal secret in ${found.join(', ')}; allowed: SecretValue.fromVariable or SecretValue.fromSecretManager`);
  },
};

/** Matches an ACL's resource pattern against a topic name. */
function aclCoversTopic(acl: KafkaAcl, topic: string): boolean {
  const s = acl.spec;
  if (s.resourceType !== 'Topic') return false;
  if (s.patternType === 'Literal') return s.resourceName === '*' || s.resourceName === topic;
  return topic.startsWith(s.resourceName);
}

/** Topics holding data of some labels are not readable by the wildcard principal `User:*`. */
export function sensitiveTopicNoWildcardRead(labels: readonly DataSensitivity[]): GovernanceRule {
  return {
    id: 'SensitiveTopicNoWildcardRead',
    description: `No ACL lets every principal (User:*) read topics holding ${labelsText(labels)} data.`,
    reason: 'A wildcard read ACL lets any authenticated client, present or future, consume the sensitive rows.',
    level: 'error',
    check(node, context) {
      if (!(node instanceof KafkaAcl)) return NOT_APPLICABLE;
      const s = node.spec;
      if (s.permission !== 'Allow' || s.principal !== 'User:*' || !['Read', 'All'].includes(s.operation) || s.resourceType !== 'Topic') return NOT_APPLICABLE;
      const exposed = [
        ...new Set(context.inventory.tables.filter((t) => t.labels.some((l) => labels.includes(l)) && aclCoversTopic(node, t.topic)).map((t) => t.topic)),
      ];
      return exposed.length === 0
        ? COMPLIANT
        : nonCompliant(
            `User:* may ${s.operation} ${exposed.map((t) => `"${t}"`).join(', ')}, which hold${exposed.length === 1 ? 's' : ''} ${labelsText(labels)} data`,
          );
    },
  };
}

/** Topics and datasets with personal data keep it no longer than the policy allows. */
export function piiRetention(maxDays: number, labels: readonly DataSensitivity[] = ['pii', 'pii-high']): GovernanceRule {
  const maxMs = maxDays * DAY_MS;
  return {
    id: 'PiiRetention',
    description: `Personal data (${labelsText(labels)}) is gone from topics and datasets at most ${maxDays} days after the source erases it.`,
    reason: 'GDPR Art. 5(1)(e) storage limitation and Art. 17 erasure: an erased row must not live on in a replica.',
    level: 'error',
    check(node, context) {
      if (node instanceof KafkaTopic) {
        if (!context.inventory.topicLabels(node.name).some((l) => labels.includes(l))) return NOT_APPLICABLE;
        const c = node.config;
        const policy = c['cleanup.policy'] ?? 'delete';
        if (policy.includes('delete')) {
          const retention = c['retention.ms'] === undefined ? undefined : Number(c['retention.ms']);
          if (retention === undefined)
            return nonCompliant(
              `topic "${node.name}" deletes by time but leaves retention.ms to the broker; allowed: retention.ms <= ${maxMs} (${maxDays} days)`,
            );
          if (retention < 0 || retention > maxMs)
            return nonCompliant(`topic "${node.name}" keeps data for retention.ms ${retention}; allowed: at most ${maxMs} (${maxDays} days)`);
          return COMPLIANT;
        }
        const lag = c['max.compaction.lag.ms'] === undefined ? undefined : Number(c['max.compaction.lag.ms']);
        if (lag === undefined || lag > maxMs) {
          return nonCompliant(
            `topic "${node.name}" is compacted without max.compaction.lag.ms <= ${maxMs}, so an erased row's old values may stay in uncompacted segments for ever; allowed: max.compaction.lag.ms <= ${maxMs} (${maxDays} days)`,
          );
        }
        return COMPLIANT;
      }
      if (node instanceof WarehouseDataset) {
        const tables = context.inventory.tablesOf(node).filter((t) => t.labels.some((l) => labels.includes(l)));
        if (tables.length === 0) return NOT_APPLICABLE;
        const expiry = [node.dataset.defaultTableExpirationMsInput, node.dataset.defaultPartitionExpirationMsInput].filter(
          (x): x is number => typeof x === 'number',
        );
        if (expiry.some((ms) => ms <= maxMs)) return COMPLIANT;
        const keeping = tables.filter((t) => t.sinkConfig.deleteEnabled !== 'true').map((t) => t.tableId);
        return keeping.length === 0
          ? COMPLIANT
          : nonCompliant(
              `dataset ${node.datasetId} keeps rows of ${keeping.join(', ')} after the source deletes them (the sink does not delete) and has no expiration <= ${maxDays} days`,
            );
      }
      return NOT_APPLICABLE;
    },
  };
}

/** Every dataset receiving data of some labels is covered by a DLP scan of each such table. */
export function sensitiveDatasetScanned(labels: readonly DataSensitivity[]): GovernanceRule {
  return {
    id: 'SensitiveDatasetScanned',
    description: `Every warehouse table receiving ${labelsText(labels)} data has a scheduled DLP scan.`,
    reason: 'Labels say what should be there; only a scan finds what is there (GDPR Art. 32, PCI DSS 12.5.2, HIPAA 164.308(a)(1)).',
    level: 'error',
    check(node, context) {
      if (!(node instanceof WarehouseDataset)) return NOT_APPLICABLE;
      const tables = context.inventory.tablesOf(node).filter((t) => t.labels.some((l) => labels.includes(l)));
      if (tables.length === 0) return NOT_APPLICABLE;
      const scans = context.constructs.filter((c): c is DlpTableScan => c instanceof DlpTableScan && c.datasetId === node.datasetId);
      const missing = tables.filter((t) => !scans.some((s) => s.tableId === t.tableId)).map((t) => t.tableId);
      return missing.length === 0
        ? COMPLIANT
        : nonCompliant(`dataset ${node.datasetId} receives ${labelsText(labels)} data in ${missing.join(', ')}, which no DlpTableScan covers`);
    },
  };
}

/** Columns labelled with some labels carry their policy tag in the warehouse. */
export function sensitiveColumnsTagged(labels: readonly DataSensitivity[]): GovernanceRule {
  return {
    id: 'SensitiveColumnsTagged',
    description: `Warehouse columns labelled ${labelsText(labels)} carry their policy tag (column-level security).`,
    reason: 'Dataset access alone lets every reader see every column; policy tags limit sensitive columns to their fine-grained readers.',
    level: 'error',
    check(node, context) {
      if (!(node instanceof WarehouseDataset)) return NOT_APPLICABLE;
      const tables = context.inventory.tablesOf(node).filter((t) => t.labels.some((l) => labels.includes(l)));
      if (tables.length === 0) return NOT_APPLICABLE;
      const classified = context.constructs.filter((c): c is ClassifiedTable => c instanceof ClassifiedTable && c.datasetId === node.datasetId);
      const untagged: string[] = [];
      for (const t of tables) {
        const ct = classified.find((c) => c.tableId === t.tableId);
        for (const col of t.description.columns ?? []) {
          if (!col.sensitivity || !labels.includes(col.sensitivity)) continue;
          if (!ct || ct.taggedColumns[col.name] !== col.sensitivity) untagged.push(`${t.tableId}.${col.name} (${col.sensitivity})`);
        }
      }
      return untagged.length === 0 ? COMPLIANT : nonCompliant(`dataset ${node.datasetId} has columns without their policy tag: ${untagged.join(', ')}`);
    },
  };
}

/** Topics of captured tables survive a broker loss without losing acknowledged writes. */
export const topicDurability: GovernanceRule = {
  id: 'TopicDurability',
  description: 'Topics of captured tables have replication factor >= 3 and min.insync.replicas >= 2.',
  reason: 'With fewer copies an acknowledged change can be lost with one broker, and the warehouse silently diverges from the source.',
  level: 'warning',
  check(node, context) {
    if (!(node instanceof KafkaTopic) || !context.inventory.tables.some((t) => t.topic === node.name)) return NOT_APPLICABLE;
    const isr = Number(node.config['min.insync.replicas'] ?? '1');
    if (node.replicationFactor >= 3 && isr >= 2) return COMPLIANT;
    return nonCompliant(`topic "${node.name}" has replication factor ${node.replicationFactor} and min.insync.replicas ${isr}; allowed: >= 3 and >= 2`);
  },
};

/** Datasets cannot be destroyed by a plan. */
export const datasetDeletionProtection: GovernanceRule = {
  id: 'DatasetDeletionProtection',
  description: 'Warehouse datasets are protected from terraform destroy.',
  reason: 'A renamed construct or a wrong stack would otherwise drop a dataset and every table in it.',
  level: 'warning',
  check(node) {
    if (!(node instanceof WarehouseDataset)) return NOT_APPLICABLE;
    return node.dataset.lifecycle?.preventDestroy ? COMPLIANT : nonCompliant(`dataset ${node.datasetId} has deletionProtection off`);
  },
};

/** Classified tables know the types of their columns. */
export const columnTypesDeclared: GovernanceRule = {
  id: 'ColumnTypesDeclared',
  description: 'Columns of classified tables declare their source type.',
  reason: 'An untyped column is declared STRING; if the sink writes another type the table cannot be updated in place.',
  level: 'warning',
  check(node) {
    if (!(node instanceof ClassifiedTable)) return NOT_APPLICABLE;
    return node.untypedColumns.length === 0
      ? COMPLIANT
      : nonCompliant(`table ${node.datasetId}.${node.tableId} declares no type for ${node.untypedColumns.join(', ')}`);
  },
};

/** A rule with the level a pack gives it. */
export function atLevel(rule: GovernanceRule, level: RuleLevel): GovernanceRule {
  return { ...rule, level, check: rule.check.bind(rule) };
}
