import { resources, SynthJson } from '../helpers';

/** ACLs of one principal, as `Permission Operation Type:Pattern:Name`, sorted and deduplicated. */
export function aclsOf(json: SynthJson, principal: string): string[] {
  return [
    ...new Set(
      resources(json, 'kafka_acl')
        .filter((a) => a.acl_principal === principal)
        .map((a) => `${a.acl_permission_type} ${a.acl_operation} ${a.resource_type}:${a.resource_pattern_type_filter}:${a.resource_name}`),
    ),
  ].sort();
}

/** A dataset id as written, or the id of the dataset a `${google_bigquery_dataset.X.dataset_id}` reference names. */
export function datasetIdOf(json: SynthJson, value: string): string {
  const m = /^\$\{google_bigquery_dataset\.([^.]+)\.dataset_id\}$/.exec(value);
  return m ? json.resource.google_bigquery_dataset[m[1]].dataset_id : value;
}

/**
 * A member as written, with a reference to a service account's email replaced by
 * `serviceAccount:<account_id>@`, and one to another stack's account (a cross-stack output) by
 * `serviceAccount:<stack>/<construct path>@`.
 */
export function memberOf(json: SynthJson, value: string): string {
  const m = /^serviceAccount:\$\{google_service_account\.([^.]+)\.email\}$/.exec(value);
  if (m) return `serviceAccount:${json.resource.google_service_account[m[1]].account_id}@`;
  const remote =
    /^serviceAccount:\$\{data\.terraform_remote_state\.cross-stack-reference-input-([^.]+)\.outputs\.cross-stack-output-google_service_account(.+)_[0-9A-F]+email\}$/.exec(
      value,
    );
  return remote ? `serviceAccount:${remote[1]}/${remote[2]}@` : value;
}

/** Dataset IAM bindings as `dataset role member`, members normalized by {@link memberOf}, filtered by member prefix. */
export function datasetGrants(json: SynthJson, memberFilter: (member: string) => boolean = () => true): string[] {
  return resources(json, 'google_bigquery_dataset_iam_member')
    .map((r) => `${datasetIdOf(json, r.dataset_id)} ${r.role.replace('roles/bigquery.', '')} ${memberOf(json, r.member)}`)
    .filter((g) => memberFilter(g.split(' ')[2]))
    .sort();
}
