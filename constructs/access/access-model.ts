import { Annotations, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { Problems, validateProps } from '../core/validation';
import { WarehouseDataset } from '../bigquery/warehouse-dataset';
import { KafkaAcl } from '../kafka/kafka-acl';
import { aclsForIntent, KafkaAccessIntent } from '../kafka/kafka-grants';
import { IKafkaPlatform, KafkaAclOperation, KafkaAclPatternType, KafkaAclSpec } from '../kafka/kafka-platform';
import { idSafe, PRINCIPAL_PATTERN } from '../kafka/kafka-principal';
import { KafkaScramUser } from '../kafka/kafka-scram-user';
import { KafkaTopic } from '../kafka/kafka-topic';
import { DATA_SENSITIVITIES, DataSensitivity } from '../sources/source-table';
import { AccessGrantSpec, AccessPrincipal, AccessRole, AccessTeam, ColumnBinding, DatasetBinding, IColumnAccessControl, ResolvedGrant } from './access-types';

/** Props of {@link AccessModel}. */
export interface AccessModelProps {
  /** Kafka platform the ACLs and SCRAM users live on. @default none: topic grants and SCRAM users are reported as problems */
  readonly kafka?: IKafkaPlatform;
  /** Column-level security (the classification taxonomy) that column grants bind through. @default none: column grants are reported as problems */
  readonly classification?: IColumnAccessControl;
  /** Datasets that dataset grants may name. @default every WarehouseDataset in the stack when the model is constructed */
  readonly datasets?: WarehouseDataset[];
  /** People, groups, service accounts and Kafka clients. */
  readonly principals: AccessPrincipal[];
  /** Named sets of grants. */
  readonly roles: AccessRole[];
  /** Teams: principals holding the same roles. @default none */
  readonly teams?: AccessTeam[];
  /** Topics (or prefixes ending in `*`, e.g. `partner.*`) defined outside this stack that grants may name. @default none: every topic must be defined in the stack */
  readonly externalTopics?: string[];
}

/** Kafka principal wildcard. */
const WILDCARD_PRINCIPAL = 'User:*';
const NAME = /^[A-Za-z0-9._@-]{1,128}$/;
const GOOGLE_MEMBER = /^(user|group|serviceAccount|domain|principal|principalSet):.+$/;
const PUBLIC_MEMBERS = ['allUsers', 'allAuthenticatedUsers'];

/** The Kafka operation whose deny defeats an allow of each access level. */
const KEY_OPERATION: Record<'read' | 'write' | 'admin', KafkaAclOperation> = { read: 'Read', write: 'Write', admin: 'All' };
const INTENT: Record<'read' | 'write' | 'admin', KafkaAccessIntent> = { read: 'consume', write: 'produce', admin: 'admin' };

/** A topic grant of one principal, with where it comes from. */
interface TopicGrant {
  readonly principal: string;
  readonly kafkaPrincipal: string;
  readonly role: string;
  readonly access: 'read' | 'write' | 'admin';
  readonly deny: boolean;
  readonly name: string;
  readonly patternType: KafkaAclPatternType;
  readonly at: string;
  readonly spec: AccessGrantSpec;
}

/**
 * One declarative description of who may read or write what, across Kafka and BigQuery:
 * principals (people, groups, service accounts, Kafka SCRAM users), teams, and roles made of
 * grants on topics (by name or prefix), datasets and column sensitivity labels. From it the model
 * derives, least privilege and nothing else:
 *
 * - every Kafka ACL (consume = Read + Describe on the topic and Read on the group; produce = Write
 *   + Describe; admin = All; deny = the one operation denied), through {@link KafkaAcl};
 * - a {@link KafkaScramUser} per principal that asks for one;
 * - BigQuery dataset IAM through {@link WarehouseDataset.grant} (write implies read: one binding);
 * - policy-tag Fine-Grained Reader bindings through the classification's `grantColumnRead`.
 *
 * Grants naming a topic or dataset that nothing in the stack defines (dangling) are synth errors;
 * a deny that takes away everything an allow gives is a warning on the model's path.
 *
 * ```ts
 * new AccessModel(stack, 'access', {
 *   kafka, classification,
 *   principals: [
 *     { name: 'alice', google: 'user:alice@acme.com' },
 *     { name: 'fraud-scorer', scram: { password: SecretValue.fromVariable('fraud_scorer_password') } },
 *   ],
 *   roles: [
 *     { name: 'analyst', grants: [{ dataset: 'monolith_cdc' }, { columns: 'pii' }] },
 *     { name: 'scorer', grants: [{ topic: 'monolith.wepay.payments' }, { topicPrefix: 'risk.', access: 'write' }] },
 *   ],
 *   teams: [{ name: 'analytics', members: ['alice'], roles: ['analyst'] }],
 * });
 * ```
 */
export class AccessModel extends Construct {
  /** Every grant after teams and roles are resolved. */
  public readonly grants: ResolvedGrant[] = [];
  /** Every Kafka ACL entry the model created (deduplicated). */
  public readonly acls: KafkaAclSpec[] = [];
  /** Every dataset IAM binding the model created. */
  public readonly datasetBindings: DatasetBinding[] = [];
  /** Every policy-tag reader binding the model created. */
  public readonly columnBindings: ColumnBinding[] = [];
  /** SCRAM users created, by principal name. */
  public readonly scramUsers: Record<string, KafkaScramUser> = {};
  /** The Kafka platform, if any. */
  public readonly kafka?: IKafkaPlatform;

  private readonly principalsByName = new Map<string, AccessPrincipal>();
  private readonly kafkaPrincipals = new Map<string, string>();
  private readonly props: AccessModelProps;

  constructor(scope: Construct, id: string, props: AccessModelProps) {
    super(scope, id);
    // Required props checked at run time too (plain JavaScript, ts-node --transpile-only).
    validateProps.required(this, props, { principals: 'AccessPrincipal[]', roles: 'AccessRole[]' });
    this.props = props;
    this.kafka = props.kafka;
    const found = new Problems();
    this.checkNames(found);
    this.resolveGrants(found);
    this.createScramUsers(found);
    const topicGrants = this.collectTopicGrants(found);
    this.createAcls(topicGrants);
    this.warnOnShadowedAllows(topicGrants);
    this.bindDatasets(found);
    this.bindColumns(found);
    const stackName = TerraformStack.of(this).node.id;
    this.node.addValidation({ validate: () => found.messages() });
    // Lazily, so topics defined after the model are seen too.
    validateProps(this, (p) => this.checkDanglingTopics(p, topicGrants, stackName));
  }

  /** The Kafka principal of a principal of the model (`User:…`), if it has one. */
  public kafkaPrincipalOf(principal: string): string | undefined {
    return this.kafkaPrincipals.get(principal);
  }

  /** The Google IAM member of a principal of the model, if it has one. */
  public googleMemberOf(principal: string): string | undefined {
    return this.principalsByName.get(principal)?.google;
  }

  /** Grants a principal holds, through its own roles and its teams'. */
  public grantsOf(principal: string): ResolvedGrant[] {
    return this.grants.filter((g) => g.principal === principal);
  }

  private checkNames(p: Problems): void {
    const { principals, roles, teams = [] } = this.props;
    const seen = (kind: string, names: string[]) =>
      names.forEach((n, i) => {
        p.check(NAME.test(n), `${kind}[${i}].name`, n, "1-128 letters, digits, '.', '_', '-' or '@'");
        p.check(names.indexOf(n) === i, `${kind}[${i}].name`, n, `a name no other entry of ${kind} uses`);
      });
    seen(
      'principals',
      principals.map((x) => x.name),
    );
    seen(
      'roles',
      roles.map((x) => x.name),
    );
    seen(
      'teams',
      teams.map((x) => x.name),
    );
    principals.forEach((pr, i) => {
      if (!this.principalsByName.has(pr.name)) this.principalsByName.set(pr.name, pr);
      if (pr.google !== undefined) {
        p.check(
          GOOGLE_MEMBER.test(pr.google) && !PUBLIC_MEMBERS.includes(pr.google),
          `principals[${i}].google`,
          pr.google,
          "an IAM member 'user:…', 'group:…', 'serviceAccount:…' or 'domain:…' (never allUsers or allAuthenticatedUsers)",
        );
      }
      let kafkaOk = true;
      if (pr.kafkaPrincipal !== undefined) {
        kafkaOk = p.check(
          PRINCIPAL_PATTERN.test(pr.kafkaPrincipal),
          `principals[${i}].kafkaPrincipal`,
          pr.kafkaPrincipal,
          "'Type:name', e.g. 'User:fraud-scorer'",
        );
        if (pr.scram) p.add(`principals[${i}].kafkaPrincipal`, pr.kafkaPrincipal, 'nothing when scram is set (the SCRAM user is the Kafka principal)');
      }
      const kafka = pr.scram ? `User:${pr.scram.username ?? pr.name}` : pr.kafkaPrincipal;
      // A malformed principal is reported once here, not again by every ACL it would get.
      if (kafka !== undefined && kafkaOk && !this.kafkaPrincipals.has(pr.name)) this.kafkaPrincipals.set(pr.name, kafka);
      p.check(
        pr.google !== undefined || kafka !== undefined,
        `principals[${i}]`,
        pr.name,
        'a principal with a Google identity (google), a Kafka identity (kafkaPrincipal or scram), or both',
      );
    });
  }

  private resolveGrants(p: Problems): void {
    const { principals, roles, teams = [] } = this.props;
    const roleNames = roles.map((r) => r.name);
    const principalNames = principals.map((x) => x.name);
    const held = new Map<string, Set<string>>();
    const hold = (principal: string, role: string) => {
      const set = held.get(principal) ?? new Set<string>();
      set.add(role);
      held.set(principal, set);
    };
    principals.forEach((pr, i) =>
      (pr.roles ?? []).forEach((r, j) => {
        if (p.check(roleNames.includes(r), `principals[${i}].roles[${j}]`, r, `a role of the model: ${roleNames.join(', ')}`)) hold(pr.name, r);
      }),
    );
    teams.forEach((t, i) => {
      t.roles.forEach((r, j) => p.check(roleNames.includes(r), `teams[${i}].roles[${j}]`, r, `a role of the model: ${roleNames.join(', ')}`));
      t.members.forEach((m, j) => {
        if (!p.check(principalNames.includes(m), `teams[${i}].members[${j}]`, m, `a principal of the model: ${principalNames.join(', ')}`)) return;
        t.roles.filter((r) => roleNames.includes(r)).forEach((r) => hold(m, r));
      });
    });
    const heldRoles = new Set<string>();
    for (const pr of principals) {
      const mine = held.get(pr.name);
      if (!mine) continue;
      // Role order of the model, not of membership, so derived resources keep stable ids.
      for (const role of roles.filter((r) => mine.has(r.name))) {
        heldRoles.add(role.name);
        for (const grant of role.grants) this.grants.push({ principal: pr.name, role: role.name, grant });
      }
    }
    roles.forEach((role, i) => {
      role.grants.forEach((g, j) => checkGrantShape(p, `roles[${i}].grants[${j}]`, g));
      if (!heldRoles.has(role.name)) {
        Annotations.of(this).addWarning(`roles[${i}]: role "${role.name}" is held by no principal or team, so it grants nothing`);
      }
    });
  }

  private createScramUsers(p: Problems): void {
    this.props.principals.forEach((pr, i) => {
      if (!pr.scram || this.scramUsers[pr.name]) return;
      if (!this.kafka) {
        p.add(`principals[${i}].scram`, pr.scram.username ?? pr.name, 'a SCRAM user only when the model has a Kafka platform (prop kafka)');
        return;
      }
      this.scramUsers[pr.name] = new KafkaScramUser(this, `scram-${idSafe(pr.name)}`, {
        platform: this.kafka,
        username: pr.scram.username ?? pr.name,
        password: pr.scram.password,
        mechanism: pr.scram.mechanism,
      });
    });
  }

  private collectTopicGrants(p: Problems): TopicGrant[] {
    const out: TopicGrant[] = [];
    const reported = new Set<string>();
    for (const g of this.grants) {
      const spec = g.grant;
      if (spec.topic === undefined && spec.topicPrefix === undefined) continue;
      if (spec.dataset !== undefined || spec.columns !== undefined) continue; // reported by checkGrantShape
      const at = this.pathOf(g);
      const kafkaPrincipal = this.kafkaPrincipals.get(g.principal);
      if (!this.kafka) {
        if (!reported.has('kafka')) p.add('kafka', undefined, `a Kafka platform, because role "${g.role}" grants topics`);
        reported.add('kafka');
        continue;
      }
      if (!kafkaPrincipal) {
        if (this.principalsByName.get(g.principal)?.kafkaPrincipal !== undefined) continue; // malformed: reported already
        const key = `${g.principal}/${g.role}`;
        if (!reported.has(key)) {
          p.add(
            `${this.principalPath(g.principal)}.kafkaPrincipal`,
            undefined,
            `a Kafka identity (kafkaPrincipal or scram), because role "${g.role}" grants principal "${g.principal}" topics`,
          );
        }
        reported.add(key);
        continue;
      }
      const access = spec.access ?? 'read';
      if (!['read', 'write', 'admin'].includes(access)) continue;
      out.push({
        principal: g.principal,
        kafkaPrincipal,
        role: g.role,
        access,
        deny: spec.deny ?? false,
        name: (spec.topic ?? spec.topicPrefix)!,
        patternType: spec.topic !== undefined ? 'Literal' : 'Prefixed',
        at,
        spec,
      });
    }
    return out;
  }

  private createAcls(topicGrants: TopicGrant[]): void {
    if (!this.kafka) return;
    const byKey = new Map<string, KafkaAclSpec>();
    for (const tg of topicGrants) {
      const options = tg.spec;
      const needs = tg.deny
        ? [{ resourceType: 'Topic' as const, resourceName: tg.name, patternType: tg.patternType, operation: KEY_OPERATION[tg.access] }]
        : aclsForIntent(INTENT[tg.access], tg.name, tg.patternType, {
            group: tg.access === 'read' ? options.group : undefined,
            groupIsPrefix: options.groupIsPrefix,
            transactionalId: tg.access === 'write' ? options.transactionalId : undefined,
            transactionalIdIsPrefix: options.transactionalIdIsPrefix,
            defaultGroup: tg.kafkaPrincipal.slice(tg.kafkaPrincipal.indexOf(':') + 1),
          });
      for (const need of needs) {
        const acl: KafkaAclSpec = { principal: tg.kafkaPrincipal, host: '*', permission: tg.deny ? 'Deny' : 'Allow', ...need };
        const key = aclKey(acl);
        if (!byKey.has(key)) byKey.set(key, acl);
      }
    }
    for (const [key, acl] of byKey) {
      new KafkaAcl(this, key, { platform: this.kafka, ...acl });
      this.acls.push(acl);
    }
  }

  /** Where a grant is written in the props, e.g. `roles[1].grants[0]`. */
  private pathOf(g: ResolvedGrant): string {
    const ri = this.props.roles.findIndex((r) => r.name === g.role);
    return `roles[${ri}].grants[${this.props.roles[ri].grants.indexOf(g.grant)}]`;
  }

  /** Where a principal is written in the props, e.g. `principals[2]`. */
  private principalPath(name: string): string {
    return `principals[${this.props.principals.findIndex((x) => x.name === name)}]`;
  }

  private warnOnShadowedAllows(topicGrants: TopicGrant[]): void {
    const denies = topicGrants.filter((g) => g.deny);
    const seen = new Set<string>();
    for (const allow of topicGrants.filter((g) => !g.deny)) {
      for (const deny of denies) {
        const samePrincipal = deny.kafkaPrincipal === allow.kafkaPrincipal || deny.kafkaPrincipal === WILDCARD_PRINCIPAL;
        const op = KEY_OPERATION[deny.access];
        const defeats = op === 'All' || op === KEY_OPERATION[allow.access];
        if (!samePrincipal || !defeats || !covers(deny, allow)) continue;
        const message =
          `deny shadows allow: ${allow.at} of role "${allow.role}" lets ${allow.kafkaPrincipal} ${allow.access} ${describeTopic(allow)}, ` +
          `but ${deny.at} of role "${deny.role}" denies ${deny.kafkaPrincipal} ${op} on ${describeTopic(deny)}, so the allow never takes effect`;
        if (seen.has(message)) continue;
        seen.add(message);
        Annotations.of(this).addWarning(message);
      }
    }
  }

  private bindDatasets(p: Problems): void {
    const stack = TerraformStack.of(this);
    const datasets = this.props.datasets ?? stack.node.findAll().filter((c): c is WarehouseDataset => c instanceof WarehouseDataset);
    const ids = [...new Set(datasets.map((d) => d.datasetId))].sort();
    const wanted = new Map<string, DatasetBinding & { dataset: WarehouseDataset }>();
    for (const g of this.grants) {
      const spec = g.grant;
      if (spec.dataset === undefined || spec.topic !== undefined || spec.topicPrefix !== undefined || spec.columns !== undefined) continue;
      const at = this.pathOf(g);
      const access = spec.access ?? 'read';
      if (access !== 'read' && access !== 'write') continue; // reported by checkGrantShape
      if (spec.deny) continue;
      const matches = datasets.filter((d) => d.datasetId === spec.dataset);
      if (matches.length !== 1) {
        p.add(
          `${at}.dataset`,
          spec.dataset,
          matches.length === 0
            ? `the datasetId of a WarehouseDataset in stack "${stack.node.id}" (this grant dangles): ${ids.join(', ') || 'none defined'}`
            : 'a datasetId used by one WarehouseDataset only',
        );
        continue;
      }
      const member = this.googleMemberOf(g.principal);
      if (!member) {
        p.add(
          `${this.principalPath(g.principal)}.google`,
          undefined,
          `a Google identity, because role "${g.role}" grants principal "${g.principal}" dataset ${spec.dataset}`,
        );
        continue;
      }
      const key = `${spec.dataset} ${member}`;
      const prior = wanted.get(key);
      // Data Editor includes Data Viewer: one binding, the stronger one.
      if (!prior || (prior.access === 'read' && access === 'write')) {
        wanted.set(key, { datasetId: spec.dataset, access, member, principal: g.principal, dataset: matches[0] });
      }
    }
    for (const b of wanted.values()) {
      b.dataset.grant(b.access, b.member);
      this.datasetBindings.push({ datasetId: b.datasetId, access: b.access, member: b.member, principal: b.principal });
    }
  }

  private bindColumns(p: Problems): void {
    const done = new Set<string>();
    const reported = new Set<string>();
    for (const g of this.grants) {
      const spec = g.grant;
      if (spec.columns === undefined || spec.topic !== undefined || spec.topicPrefix !== undefined || spec.dataset !== undefined) continue;
      const at = this.pathOf(g);
      if ((spec.access ?? 'read') !== 'read' || spec.deny) continue; // reported by checkGrantShape
      const classification = this.props.classification;
      if (!classification) {
        if (!reported.has(at))
          p.add(`${at}.columns`, spec.columns, 'column grants only when the model has a classification (prop classification) whose policy tags they bind to');
        reported.add(at);
        continue;
      }
      const member = this.googleMemberOf(g.principal);
      if (!member) {
        p.add(`${this.principalPath(g.principal)}.google`, undefined, `a Google identity, because role "${g.role}" grants principal "${g.principal}" columns`);
        continue;
      }
      for (const label of labelsOf(spec.columns)) {
        if (!classification.protectedLabels.includes(label)) {
          if (!reported.has(`${at} ${label}`)) p.add(`${at}.columns`, label, `a label with a policy tag: ${classification.protectedLabels.join(', ')}`);
          reported.add(`${at} ${label}`);
          continue;
        }
        const key = `${label} ${member}`;
        if (done.has(key)) continue;
        done.add(key);
        classification.grantColumnRead(label, member);
        this.columnBindings.push({ label, member, principal: g.principal });
      }
    }
  }

  private checkDanglingTopics(p: Problems, topicGrants: TopicGrant[], stackName: string): void {
    const defined = TerraformStack.of(this)
      .node.findAll()
      .filter((c): c is KafkaTopic => c instanceof KafkaTopic && c.platform === this.kafka)
      .map((t) => t.name);
    const external = this.props.externalTopics ?? [];
    const externalNames = external.filter((e) => !e.endsWith('*'));
    const externalPrefixes = external.filter((e) => e.endsWith('*')).map((e) => e.slice(0, -1));
    const reported = new Set<string>();
    for (const g of topicGrants) {
      if (reported.has(g.at)) continue;
      const known =
        g.patternType === 'Literal'
          ? defined.includes(g.name) || externalNames.includes(g.name) || externalPrefixes.some((x) => g.name.startsWith(x))
          : defined.some((t) => t.startsWith(g.name)) ||
            externalNames.some((t) => t.startsWith(g.name)) ||
            externalPrefixes.some((x) => g.name.startsWith(x) || x.startsWith(g.name));
      if (known) continue;
      reported.add(g.at);
      p.add(
        g.patternType === 'Literal' ? `${g.at}.topic` : `${g.at}.topicPrefix`,
        g.name,
        g.patternType === 'Literal'
          ? `a topic defined in stack "${stackName}" or listed in externalTopics (no KafkaTopic is named so: the grant dangles)`
          : `a prefix of a topic defined in stack "${stackName}" or listed in externalTopics (no KafkaTopic starts so: the grant dangles)`,
      );
    }
  }
}

/** Checks that a grant names exactly one target and an access level that target allows. */
function checkGrantShape(p: Problems, at: string, g: AccessGrantSpec): void {
  const targets = (['topic', 'topicPrefix', 'dataset', 'columns'] as const).filter((k) => g[k] !== undefined);
  if (!p.check(targets.length === 1, at, targets, 'exactly one of topic, topicPrefix, dataset and columns')) return;
  const target = targets[0];
  const access = g.access ?? 'read';
  if (!p.check(['read', 'write', 'admin'].includes(access), `${at}.access`, access, 'read, write or admin')) return;
  if (target === 'topic' || target === 'topicPrefix') {
    p.check(String(g[target]).length > 0, `${at}.${target}`, g[target], 'a topic name or prefix');
    if (g.group !== undefined) p.check(access === 'read' && !g.deny, `${at}.group`, g.group, 'only with an allowed read of topics');
    if (g.transactionalId !== undefined)
      p.check(access === 'write' && !g.deny, `${at}.transactionalId`, g.transactionalId, 'only with an allowed write of topics');
    return;
  }
  if (g.deny) p.add(`${at}.deny`, true, 'deny only on topics (BigQuery access is allow-only: leave the grant out)');
  if (target === 'dataset') {
    p.check(access !== 'admin', `${at}.access`, access, 'read or write for datasets (dataset owners are set where the dataset is defined)');
  } else {
    p.check(access === 'read', `${at}.access`, access, 'read for columns (policy tags control reading only)');
    labelsOf(g.columns!).forEach((l) => p.check(DATA_SENSITIVITIES.includes(l), `${at}.columns`, l, DATA_SENSITIVITIES.join(', ')));
  }
  for (const k of ['group', 'groupIsPrefix', 'transactionalId', 'transactionalIdIsPrefix'] as const) {
    if (g[k] !== undefined) p.add(`${at}.${k}`, g[k], 'only on topic grants');
  }
}

function labelsOf(columns: DataSensitivity | DataSensitivity[]): DataSensitivity[] {
  return Array.isArray(columns) ? columns : [columns];
}

/** Whether `deny`'s resource pattern covers every topic `allow` names. */
function covers(deny: TopicGrant, allow: TopicGrant): boolean {
  if (deny.patternType === 'Literal') return allow.patternType === 'Literal' && allow.name === deny.name;
  return allow.name.startsWith(deny.name);
}

function describeTopic(g: TopicGrant): string {
  return g.patternType === 'Literal' ? `topic "${g.name}"` : `topics prefixed "${g.name}"`;
}

/** A stable construct id for one ACL entry, from its content (so reordering roles moves nothing). */
function aclKey(a: KafkaAclSpec): string {
  return idSafe(`${a.principal}-${a.permission}-${a.operation}-${a.resourceType}-${a.patternType}-${a.resourceName}`);
}
