import { Construct, IConstruct } from 'constructs';
import { Token } from 'cdktf';
import { ServiceAccount } from '@cdktf/provider-google/lib/service-account';
import { ProjectIamMember } from '@cdktf/provider-google/lib/project-iam-member';
import { validateProps } from '../core/validation';

/** Props of {@link PipelineServiceAccount}. */
export interface PipelineServiceAccountProps {
  /** Google Cloud project. */
  readonly project: string;
  /** Account id: 6-30 lowercase letters, digits and '-', starting with a letter. */
  readonly accountId: string;
  /** Display name. @default the account id */
  readonly displayName?: string;
  /** Project-level roles, kept to what the workload needs (e.g. `roles/bigquery.jobUser`). @default none */
  readonly projectRoles?: string[];
}

/** Project roles that grant far more than any pipeline needs. */
export const BROAD_ROLES = ['roles/owner', 'roles/editor', 'roles/bigquery.admin', 'roles/iam.serviceAccountAdmin'];

/**
 * A Google service account for one pipeline component (a sink, a worker), with only the project
 * roles given; dataset access is granted on the dataset itself.
 */
export class PipelineServiceAccount extends Construct {
  /** The account's email. */
  public readonly email: string;
  /** IAM member string, `serviceAccount:<email>`. */
  public readonly member: string;
  /** The resource. */
  public readonly account: ServiceAccount;

  constructor(scope: Construct, id: string, props: PipelineServiceAccountProps) {
    super(scope, id);
    // Required props checked at run time too (plain JavaScript, ts-node --transpile-only).
    validateProps.required(this, props, { project: 'string', accountId: 'string' });
    const roles = props.projectRoles ?? [];
    validateProps(this, (p) => {
      p.check(
        /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/.test(props.accountId),
        'accountId',
        props.accountId,
        "6-30 lowercase letters, digits or '-', starting with a letter",
      );
      roles.forEach((r, i) => {
        p.check(/^roles\/[A-Za-z0-9_.]+$/.test(r), `projectRoles[${i}]`, r, "a role such as 'roles/bigquery.jobUser'");
        p.check(!BROAD_ROLES.includes(r), `projectRoles[${i}]`, r, `a narrow role; not ${BROAD_ROLES.join(', ')}`);
      });
    });
    this.account = new ServiceAccount(this, 'account', {
      project: props.project,
      accountId: props.accountId,
      displayName: props.displayName ?? props.accountId,
    });
    this.email = this.account.email;
    this.member = `serviceAccount:${this.account.email}`;
    for (const role of roles) {
      new ProjectIamMember(this, `role-${role.replace(/[^A-Za-z0-9]+/g, '_')}`, { project: props.project, role, member: this.member });
    }
  }
}

/** A valid service account id (6-30 chars) from a longer name, stable and readable. */
export function serviceAccountId(name: string): string {
  let id = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (!/^[a-z]/.test(id)) id = `sa-${id}`;
  if (id.length > 30) {
    let h = 0;
    for (let i = 0; i < name.length; i++) h = (Math.imul(h, 31) + name.charCodeAt(i)) >>> 0;
    id = `${id.slice(0, 23).replace(/-+$/, '')}-${h.toString(36).slice(0, 6)}`;
  }
  id = id.replace(/-+$/, '');
  while (id.length < 6) id += 'x';
  return id;
}

/**
 * Emails of the service accounts the app of `scope` creates with a literal account id and project
 * (`<accountId>@<project>.iam.gserviceaccount.com`), each with the path of its resource: a grant
 * naming one of these by literal email instead of by reference has no dependency edge on it.
 */
export function literalAccountEmails(scope: IConstruct): Map<string, string> {
  const out = new Map<string, string>();
  for (const c of scope.node.root.node.findAll()) {
    const r = c as Partial<Pick<ServiceAccount, 'terraformResourceType' | 'accountIdInput' | 'projectInput'>>;
    if (r.terraformResourceType !== 'google_service_account') continue;
    const accountId = r.accountIdInput;
    const project = r.projectInput;
    if (typeof accountId !== 'string' || typeof project !== 'string' || Token.isUnresolved(accountId) || Token.isUnresolved(project)) continue;
    out.set(`${accountId}@${project}.iam.gserviceaccount.com`, c.node.path);
  }
  return out;
}
