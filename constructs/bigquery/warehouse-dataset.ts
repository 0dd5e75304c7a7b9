import { Construct } from 'constructs';
import { dependable, ITerraformDependable, TerraformResource } from 'cdktf';
import { BigqueryDataset } from '@cdktf/provider-google/lib/bigquery-dataset';
import { BigqueryDatasetAccessA, BigqueryDatasetAccessViewA } from '@cdktf/provider-google/lib/bigquery-dataset-access';
import { BigqueryDatasetIamMember } from '@cdktf/provider-google/lib/bigquery-dataset-iam-member';
import { stableKey } from '../core/stable-key';
import { isIntIn, validateProps } from '../core/validation';
import { literalAccountEmails } from './pipeline-service-account';

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
 * A grant on a dataset. Its Terraform resource is a `google_bigquery_dataset_iam_member`, or a
 * `google_bigquery_dataset_access` once the dataset carries authorized views; `depends_on` it
 * through this handle (it follows that switch), not through the resource.
 */
export class DatasetGrant implements ITerraformDependable {
  /** @internal */
  public current: TerraformResource;
  /** @internal */
  public readonly dependsOn: ITerraformDependable[] = [];

  /** @internal */
  constructor(
    /** The intent granted. */
    public readonly access: DatasetAccess,
    /** The IAM member granted. */
    public readonly member: string,
    /** The construct id of its resource. */
    public readonly id: string,
    resource: TerraformResource,
  ) {
    this.current = resource;
  }

  /** The grant's Terraform resource now (it changes type if the dataset later gets an authorized view). */
  public get resource(): TerraformResource {
    return this.current;
  }

  /** Terraform address, for `depends_on`. */
  public get fqn(): string {
    return this.current.fqn;
  }
}

/** Options of {@link WarehouseDataset.grant}. */
export interface DatasetGrantOptions {
  /** Resources the grant is created after (e.g. the first use of a Google service that creates its service agent). @default none */
  readonly dependsOn?: ITerraformDependable[];
}

/** An authorized view: a view of another dataset that may read this one with its own authorization. */
export interface AuthorizedViewRef {
  /** Project of the view. */
  readonly projectId: string;
  /** Dataset of the view. */
  readonly datasetId: string;
  /** Table id of the view. */
  readonly tableId: string;
}

/**
 * A BigQuery dataset of the warehouse, protected from deletion by default, with intent-level
 * grants (`grantRead`, `grantWrite`).
 *
 * **Grants and authorized views.** A grant is a `google_bigquery_dataset_iam_member`, unless the
 * dataset carries authorized views ({@link authorizeView}): then every grant on it, earlier ones
 * included, is a `google_bigquery_dataset_access`. The two cannot be mixed on one dataset: dataset
 * IAM resources rewrite the dataset's access list without the authorized-view entries, so the views
 * lose access and `google_bigquery_dataset_access` re-adds them on the next apply, forever (provider
 * docs of `google_bigquery_dataset_iam_member`: "These resources **cannot** be used with
 * `google_bigquery_dataset_access` … or they will fight", "Using any of these resources will remove
 * any authorized view permissions from the dataset"). The switch is automatic; nothing to declare.
 *
 * A grant naming, by literal email, a service account this app creates is refused at synth: the
 * literal has no dependency edge, so the grant would race the account's creation (one stack) or
 * precede it (the account's stack applied later); use the account's `member`.
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
  private readonly grantsById = new Map<string, DatasetGrant>();
  private readonly views: BigqueryDatasetAccessA[] = [];

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
        p.check(
          isIntIn(props.defaultTableExpirationMs, 3600000),
          'defaultTableExpirationMs',
          props.defaultTableExpirationMs,
          'an integer >= 3600000 (one hour)',
        );
      }
      if (props.defaultPartitionExpirationMs !== undefined) {
        p.check(
          isIntIn(props.defaultPartitionExpirationMs, 1),
          'defaultPartitionExpirationMs',
          props.defaultPartitionExpirationMs,
          'a positive integer of milliseconds',
        );
      }
      for (const [k, v] of Object.entries(this.labels)) {
        p.check(/^[a-z][a-z0-9_-]{0,62}$/.test(k), `labels['${k}']`, k, "keys of 1-63 lowercase letters, digits, '_' or '-', starting with a letter");
        p.check(/^[a-z0-9_-]{0,63}$/.test(v), `labels['${k}']`, v, "values of 0-63 lowercase letters, digits, '_' or '-'");
      }
      if (this.grantsById.size > 0) {
        const created = literalAccountEmails(this);
        for (const g of this.grantsById.values()) {
          const path = created.get(g.member.replace(/^serviceAccount:/, ''));
          if (g.member.startsWith('serviceAccount:') && path) {
            p.add(
              'grant member',
              g.member,
              `the member attribute of the account ${path} creates (a literal email has no dependency edge: the grant races or precedes the account's creation)`,
            );
          }
        }
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

  /** Whether grants are `google_bigquery_dataset_access` entries (the dataset carries authorized views). */
  public get usesDatasetAccess(): boolean {
    return this.views.length > 0;
  }

  /** Every grant made on the dataset. */
  public get grants(): DatasetGrant[] {
    return [...this.grantsById.values()];
  }

  /** Grants `member` (e.g. `serviceAccount:x@p.iam.gserviceaccount.com`, `group:…`) read access. */
  public grantRead(member: string, options?: DatasetGrantOptions): DatasetGrant {
    return this.grant('read', member, options);
  }

  /** Grants `member` write access to tables (not to the dataset's IAM). */
  public grantWrite(member: string, options?: DatasetGrantOptions): DatasetGrant {
    return this.grant('write', member, options);
  }

  /** Grants one intent to `member`; granting the same twice returns the first grant (with both grants' `dependsOn`). */
  public grant(access: DatasetAccess, member: string, options: DatasetGrantOptions = {}): DatasetGrant {
    // A member built from another resource's attribute is a token whose text (`TfToken[TOKEN.n]`)
    // depends on how many tokens the process made before; name the grant after the Terraform
    // expression instead, so its address does not change when other stacks or stages are added.
    const id = `${access}-${stableKey(this, member)}`;
    let grant = this.grantsById.get(id);
    if (!grant) {
      if (member === 'allUsers' || member === 'allAuthenticatedUsers') {
        this.node.addValidation({
          validate: () => [
            `grant member: ${JSON.stringify(member)} is not valid; allowed: a user, group, domain or service account (warehouse data is never public)`,
          ],
        });
      }
      grant = new DatasetGrant(access, member, id, this.grantResource(id, access, member));
      this.grantsById.set(id, grant);
    }
    const added = (options.dependsOn ?? []).filter((d) => !grant!.dependsOn.includes(d));
    if (added.length > 0) {
      grant.dependsOn.push(...added);
      WarehouseDataset.dependOn(grant.current, grant.dependsOn);
    }
    return grant;
  }

  /**
   * Lets an authorized view (in another dataset) read this dataset with its own authorization: a
   * `google_bigquery_dataset_access` under `scope`. From then on every grant of this dataset,
   * earlier ones included, is a `google_bigquery_dataset_access` too (see the class doc).
   */
  public authorizeView(scope: Construct, id: string, view: AuthorizedViewRef): BigqueryDatasetAccessA {
    const access = new BigqueryDatasetAccessA(scope, id, {
      project: this.project,
      datasetId: this.dataset.datasetId,
      view: view as BigqueryDatasetAccessViewA,
    });
    const first = this.views.length === 0;
    this.views.push(access);
    if (first) {
      // Replace the IAM members made so far, under the same ids.
      for (const grant of this.grantsById.values()) {
        this.node.tryRemoveChild(grant.id);
        grant.current = this.grantResource(grant.id, grant.access, grant.member);
        WarehouseDataset.dependOn(grant.current, grant.dependsOn);
      }
    }
    return access;
  }

  private grantResource(id: string, access: DatasetAccess, member: string): TerraformResource {
    if (this.views.length === 0) {
      return new BigqueryDatasetIamMember(this, id, { project: this.project, datasetId: this.dataset.datasetId, role: DATASET_ROLES[access], member });
    }
    return new BigqueryDatasetAccessA(this, id, {
      project: this.project,
      datasetId: this.dataset.datasetId,
      role: DATASET_ROLES[access],
      ...datasetAccessMember(member),
    });
  }

  private static dependOn(resource: TerraformResource, on: ITerraformDependable[]): void {
    if (on.length === 0) return;
    resource.dependsOn = [...new Set([...(resource.dependsOn ?? []), ...on.map((d) => dependable(d))])];
  }
}

/**
 * The `google_bigquery_dataset_access` field of an IAM member: `serviceAccount:` and `user:` go to
 * `user_by_email` (BigQuery lists service accounts as users), `group:` to `group_by_email`,
 * `domain:` to `domain`, anything else (e.g. `principal://…`) to `iam_member`.
 */
export function datasetAccessMember(member: string): { userByEmail?: string; groupByEmail?: string; domain?: string; iamMember?: string } {
  const m = /^(serviceAccount|user|group|domain):(.+)$/s.exec(member);
  if (!m) return { iamMember: member };
  if (m[1] === 'group') return { groupByEmail: m[2] };
  if (m[1] === 'domain') return { domain: m[2] };
  return { userByEmail: m[2] };
}
