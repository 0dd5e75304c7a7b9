/**
 * The upgrade check shared by the stage tests (0 → 3, 2/3 → 4, 4 → 5), so every stage uses the
 * same rule: every resource of the earlier stage keeps its address and identifying attributes, or
 * is the `from` of a moved block to a resource with the same identifying attributes.
 */
export const IDENTIFYING: Record<string, string[]> = {
  google_sql_database_instance: ['name', 'region', 'database_version', 'project'],
  google_sql_database: ['name', 'instance', 'project'],
  google_sql_user: ['name', 'instance', 'host', 'project'],
  google_bigquery_dataset: ['dataset_id', 'project', 'location'],
  google_bigquery_dataset_iam_member: ['dataset_id', 'project', 'role', 'member'],
  google_bigquery_connection: ['connection_id', 'project', 'location'],
  google_bigquery_connection_iam_member: ['connection_id', 'role', 'member'],
  google_bigquery_data_transfer_config: ['display_name', 'project', 'location', 'data_source_id'],
  google_service_account: ['account_id', 'project'],
  google_project_iam_member: ['project', 'role', 'member'],
  google_composer_environment: ['name', 'project', 'region'],
  google_secret_manager_secret: ['secret_id', 'project'],
  google_secret_manager_secret_version: ['secret'],
  google_secret_manager_secret_iam_member: ['secret_id', 'project', 'role', 'member'],
  google_storage_bucket_object: ['bucket', 'name'],
  kafka_topic: ['name', 'partitions', 'replication_factor'],
  kafka_acl: ['acl_principal', 'acl_host', 'acl_operation', 'acl_permission_type', 'resource_type', 'resource_name', 'resource_pattern_type_filter'],
  kafka_user_scram_credential: ['username', 'scram_mechanism'],
  'kafka-connect_connector': ['name'],
  // Stage 4 (automation).
  google_bigquery_table: ['project', 'dataset_id', 'table_id'],
  // The live columns of an adopted ClassifiedTable, kept from adoption on (audit #8).
  terraform_data: ['input'],
  google_data_catalog_taxonomy: ['display_name', 'project', 'region'],
  google_data_catalog_policy_tag: ['taxonomy', 'display_name'],
  google_data_catalog_policy_tag_iam_member: ['policy_tag', 'role', 'member'],
  google_data_loss_prevention_inspect_template: ['parent', 'template_id'],
  google_data_loss_prevention_deidentify_template: ['parent', 'template_id'],
  google_data_loss_prevention_job_trigger: ['parent', 'trigger_id'],
  google_pubsub_topic: ['name', 'project'],
  google_pubsub_topic_iam_member: ['topic', 'project', 'role', 'member'],
  google_monitoring_notification_channel: ['type', 'project', 'display_name'],
  google_monitoring_alert_policy: ['project', 'display_name'],
  google_logging_metric: ['name', 'project'],
};

/** A synthesized stack, read for the check. */
export interface UpgradeSynth {
  /** `type.name` → resource body without cdktf metadata. */
  readonly resources: Map<string, any>;
  /** Moved blocks. */
  readonly moved: { from: string; to: string }[];
  /** The whole JSON. */
  readonly json: any;
}

/** Reads a stack's synthesized JSON. */
export function readSynth(json: any): UpgradeSynth {
  const resources = new Map<string, any>();
  for (const [type, byName] of Object.entries<any>(json.resource ?? {})) {
    for (const [name, body] of Object.entries<any>(byName)) {
      const { ['//']: _meta, ...rest } = body;
      resources.set(`${type}.${name}`, rest);
    }
  }
  return { resources, moved: json.moved ?? [], json };
}

/** The identifying attributes of a resource; throws for a type the table does not list. */
export function identity(address: string, body: any): Record<string, unknown> {
  const type = address.slice(0, address.indexOf('.'));
  const keys = IDENTIFYING[type];
  if (!keys) throw new Error(`no identifying attributes listed for ${type}; add them to IDENTIFYING`);
  return Object.fromEntries(keys.map((k) => [k, body[k]]));
}

/**
 * What an upgrade from `before` to `after` would do to the resources of `before`: each must keep
 * its address and identifying attributes, or be the `from` of a moved block whose `to` has the same
 * identifying attributes. Returns the problems found (empty when nothing is destroyed or replaced).
 */
export function upgradeProblems(before: UpgradeSynth, after: UpgradeSynth): string[] {
  const found: string[] = [];
  for (const [address, body] of before.resources) {
    const later = after.resources.get(address);
    if (later) {
      const a = identity(address, body);
      const b = identity(address, later);
      if (JSON.stringify(a) !== JSON.stringify(b)) found.push(`${address}: identifying attributes changed from ${JSON.stringify(a)} to ${JSON.stringify(b)}`);
      continue;
    }
    const move = after.moved.find((m) => m.from === address);
    if (!move) {
      found.push(`${address}: gone, and no moved block starts from it`);
      continue;
    }
    const target = after.resources.get(move.to);
    if (!target) found.push(`${address}: moved to ${move.to}, which does not exist`);
    else if (JSON.stringify(identity(address, body)) !== JSON.stringify(identity(move.to, target)))
      found.push(`${address}: moved to ${move.to} with other identifying attributes`);
  }
  for (const m of after.moved) {
    if (!before.resources.has(m.from)) found.push(`moved block from ${m.from}: no such resource before the upgrade`);
  }
  return found;
}
