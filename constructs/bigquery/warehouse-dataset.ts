import { Construct } from 'constructs';
import { DefaultTokenResolver, StringConcat, Token, Tokenization } from 'cdktf';
import { BigqueryDataset } from '@cdktf/provider-google/lib/bigquery-dataset';
import { BigqueryDatasetIamMember } from '@cdktf/provider-google/lib/bigquery-dataset-iam-member';
import { isIntIn, validateProps } from '../core/validation';

/** Roles a principal can be granted on a dataset, by intent. */
export type DatasetAccess = 'read' | 'write' | 'owner';

/** Dataset role per intent (least privilege). */
export const DATASET_ROLES: Record<DatasetAccess, string> = {
  read: 'roles/bigquery.dataViewer',
  write: 'roles/bigquery.dataEditor',
  owner: 'roles/bigquery.dataOwner',
};

/** Props of {@link WarehouseDataset}. */
export interface WarehouseDatasetProps {
  /** Google Cloud project. */
  readonly project: string;
  /** Dataset id: letters, digits and '_', at most 1024 characters. */
  readonly datasetId: string;
  /** Location (multi-region `US`/`EU` or a region). @default 'US' */
  readonly location?: string;
  /** Description. @default none */
  readonly description?: string;
  /** Labels; governance rules expect `owner` and `classification`. @default none */
  readonly labels?: Record<string, string>;
  /** Default table expiration in ms (>= 3600000). @default tables never expire */
  readonly defaultTableExpirationMs?: number;
  /** Default partition expiration in ms. @default partitions never expire */
  readonly defaultPartitionExpirationMs?: number;
  /** Refuse `terraform destroy` of the dataset (lifecycle prevent_destroy) and keep tables on destroy. @default true */
  readonly deletionProtection?: boolean;
}

/**
 * A BigQuery dataset of the warehouse, protected from deletion by default, with intent-level
 * IAM grants (`grantRead`, `grantWrite`).
 */
export class WarehouseDataset extends Construct {
  /** Dataset id. */
  public readonly datasetId: string;
  /** Project. */
  public readonly project: string;
  /** Labels given. */
  public readonly labels: Record<string, string>;
  /** The dataset resource. */
  public readonly dataset: BigqueryDataset;

  constructor(scope: Construct, id: string, props: WarehouseDatasetProps) {
    super(scope, id);
    // Required props checked at run time too (plain JavaScript, ts-node --transpile-only).
    validateProps.required(this, props, { project: 'string', datasetId: 'string' });
    this.datasetId = props.datasetId;
    this.project = props.project;
    this.labels = props.labels ?? {};
    const protect = props.deletionProtection ?? true;
    validateProps(this, (p) => {
      p.check(/^[A-Za-z0-9_]{1,1024}$/.test(props.datasetId), 'datasetId', props.datasetId, "1-1024 letters, digits or '_'");
      if (props.defaultTableExpirationMs !== undefined) {
        p.check(isIntIn(props.defaultTableExpirationMs, 3600000), 'defaultTableExpirationMs', props.defaultTableExpirationMs, 'an integer >= 3600000 (one hour)');
      }
      if (props.defaultPartitionExpirationMs !== undefined) {
        p.check(isIntIn(props.defaultPartitionExpirationMs, 1), 'defaultPartitionExpirationMs', props.defaultPartitionExpirationMs, 'a positive integer of milliseconds');
      }
      for (const [k, v] of Object.entries(this.labels)) {
        p.check(/^[a-z][a-z0-9_-]{0,62}$/.test(k), `labels['${k}']`, k, "keys of 1-63 lowercase letters, digits, '_' or '-', starting with a letter");
        p.check(/^[a-z0-9_-]{0,63}$/.test(v), `labels['${k}']`, v, "values of 0-63 lowercase letters, digits, '_' or '-'");
      }
    });
    this.dataset = new BigqueryDataset(this, 'dataset', {
      project: props.project,
      datasetId: props.datasetId,
      location: props.location ?? 'US',
      description: props.description,
      labels: props.labels,
      defaultTableExpirationMs: props.defaultTableExpirationMs,
      defaultPartitionExpirationMs: props.defaultPartitionExpirationMs,
      deleteContentsOnDestroy: !protect,
      lifecycle: protect ? { preventDestroy: true } : undefined,
    });
  }

  /** Grants `member` (e.g. `serviceAccount:x@p.iam.gserviceaccount.com`, `group:…`) read access. */
  public grantRead(member: string): BigqueryDatasetIamMember {
    return this.grant('read', member);
  }

  /** Grants `member` write access to tables (not to the dataset's IAM). */
  public grantWrite(member: string): BigqueryDatasetIamMember {
    return this.grant('write', member);
  }

  /** Grants one intent to `member`; granting the same twice returns the first grant. */
  public grant(access: DatasetAccess, member: string): BigqueryDatasetIamMember {
    // A member built from another resource's attribute is a token whose text (`TfToken[TOKEN.n]`)
    // depends on how many tokens the process made before; name the grant after the Terraform
    // expression instead, so its address does not change when other stacks or stages are added.
    const key = Token.isUnresolved(member)
      ? String(Tokenization.resolve(member, { scope: this, preparing: false, resolver: new DefaultTokenResolver(new StringConcat()) }))
      : member;
    const id = `${access}-${key.replace(/[^A-Za-z0-9_-]+/g, '_')}`;
    const existing = this.node.tryFindChild(id);
    if (existing) return existing as BigqueryDatasetIamMember;
    if (member === 'allUsers' || member === 'allAuthenticatedUsers') {
      this.node.addValidation({ validate: () => [`grant member: ${JSON.stringify(member)} is not valid; allowed: a user, group, domain or service account (warehouse data is never public)`] });
    }
    return new BigqueryDatasetIamMember(this, id, {
      project: this.project,
      datasetId: this.dataset.datasetId,
      role: DATASET_ROLES[access],
      member,
    });
  }
}
