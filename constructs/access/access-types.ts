import { IConstruct } from 'constructs';
import { SecretValue } from '../core/secret-value';
import { DataSensitivity } from '../sources/source-table';

/** What a grant lets a principal do: read or write data, or administer a topic. */
export type AccessLevel = 'read' | 'write' | 'admin';

/**
 * One grant of a role, on exactly one kind of target: a topic, a topic prefix, a dataset, or
 * the columns carrying some sensitivity labels.
 *
 * ```ts
 * { topic: 'monolith.wepay.payments', access: 'read' }   // consume one topic
 * { topicPrefix: 'risk.', access: 'write' }              // produce to every topic under risk.
 * { topic: 'monolith.wepay.users', access: 'read', deny: true } // carve an exception out of a prefix
 * { dataset: 'monolith_cdc', access: 'read' }            // BigQuery Data Viewer on the dataset
 * { columns: ['pii', 'pci'] }                            // Fine-Grained Reader on those policy tags
 * ```
 */
export interface AccessGrantSpec {
  /** A topic name. Exactly one of topic, topicPrefix, dataset and columns. @default none */
  readonly topic?: string;
  /** A topic prefix, e.g. `monolith.` for every topic of a source. @default none */
  readonly topicPrefix?: string;
  /** A dataset id of a {@link WarehouseDataset} in the stack. @default none */
  readonly dataset?: string;
  /** Sensitivity labels whose columns may be read (policy-tag fine-grained read). @default none */
  readonly columns?: DataSensitivity | DataSensitivity[];
  /**
   * read (topics: consume; datasets: Data Viewer; columns: Fine-Grained Reader), write (topics:
   * produce; datasets: Data Editor) or admin (topics only: All).
   * @default 'read'
   */
  readonly access?: AccessLevel;
  /** Deny instead of allow; topics only. Kafka applies a deny before any allow. @default false */
  readonly deny?: boolean;
  /** Consumer group of a topic read grant. @default the principal's Kafka user name */
  readonly group?: string;
  /** Treat `group` as a prefix. @default false */
  readonly groupIsPrefix?: boolean;
  /** Transactional id of a topic write grant. @default none: no transactions */
  readonly transactionalId?: string;
  /** Treat `transactionalId` as a prefix. @default false */
  readonly transactionalIdIsPrefix?: boolean;
}

/** A named set of grants, e.g. `analyst` or `fraud-scorer`. */
export interface AccessRole {
  /** Role name: letters, digits, '.', '_' and '-'. */
  readonly name: string;
  /** One line on what the role is for (shown in reports). @default none */
  readonly description?: string;
  /** What holders of the role may do. */
  readonly grants: AccessGrantSpec[];
}

/** A SCRAM credential the access model creates for a principal (self-managed Kafka only). */
export interface AccessScramCredential {
  /** Kafka user name. @default the principal's name */
  readonly username?: string;
  /** Password, from a sensitive variable or Secret Manager. */
  readonly password: SecretValue;
  /** SCRAM mechanism. @default 'SCRAM-SHA-512' */
  readonly mechanism?: 'SCRAM-SHA-256' | 'SCRAM-SHA-512';
}

/**
 * Someone or something that gets access: a person, a Google group, a service account, a Kafka
 * client. A principal has a Google identity (for BigQuery and policy tags), a Kafka identity
 * (for ACLs), or both.
 */
export interface AccessPrincipal {
  /** Name in the model, which teams and messages use: letters, digits, '.', '_', '-' and '@'. */
  readonly name: string;
  /** Google IAM member: `user:…`, `group:…`, `serviceAccount:…` or `domain:…`. @default none: no BigQuery or column access */
  readonly google?: string;
  /** Kafka principal of an identity managed elsewhere, e.g. `User:fraud-scorer`. @default the SCRAM user's principal, if any */
  readonly kafkaPrincipal?: string;
  /** Create a SCRAM user for this principal. @default none */
  readonly scram?: AccessScramCredential;
  /** Roles held directly (besides those of the principal's teams). @default none */
  readonly roles?: string[];
}

/** A team: principals that hold the same roles. */
export interface AccessTeam {
  /** Team name: letters, digits, '.', '_' and '-'. */
  readonly name: string;
  /** Names of the principals in the team. */
  readonly members: string[];
  /** Roles every member holds. */
  readonly roles: string[];
}

/**
 * Column-level security a classification provides: one policy tag per sensitive label, and a way
 * to let a member read the columns carrying it. Implemented by the catalog's classification
 * taxonomy; the access model binds column grants through it.
 */
export interface IColumnAccessControl extends IConstruct {
  /** Labels that have a policy tag, so column reads of them can be granted. */
  readonly protectedLabels: readonly DataSensitivity[];
  /** Lets `member` read columns labelled `label` (Fine-Grained Reader on its policy tag). */
  grantColumnRead(label: DataSensitivity, member: string): IConstruct;
}

/** One grant after roles and teams are resolved: which principal got what, and why. */
export interface ResolvedGrant {
  /** Principal name. */
  readonly principal: string;
  /** Role the grant comes from. */
  readonly role: string;
  /** The grant as the role states it. */
  readonly grant: AccessGrantSpec;
}

/** A dataset IAM binding the model derived. */
export interface DatasetBinding {
  /** Dataset id. */
  readonly datasetId: string;
  /** read or write. */
  readonly access: 'read' | 'write';
  /** IAM member. */
  readonly member: string;
  /** Principal name. */
  readonly principal: string;
}

/** A policy-tag fine-grained-reader binding the model derived. */
export interface ColumnBinding {
  /** Sensitivity label (one policy tag). */
  readonly label: DataSensitivity;
  /** IAM member. */
  readonly member: string;
  /** Principal name. */
  readonly principal: string;
}
