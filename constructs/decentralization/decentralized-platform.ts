import { Construct } from 'constructs';
import { TerraformResource, TerraformStack } from 'cdktf';
import { PipelineServiceAccount, serviceAccountId } from '../bigquery/pipeline-service-account';
import { WarehouseDataset } from '../bigquery/warehouse-dataset';
import { KafkaConnectCluster } from '../connect/kafka-connect-cluster';
import { SecretValue } from '../core/secret-value';
import { validateProps } from '../core/validation';
import { KafkaAcl } from '../kafka/kafka-acl';
import { KafkaCluster } from '../kafka/kafka-cluster';
import { aclsForIntent } from '../kafka/kafka-grants';
import { IKafkaPlatform, KafkaAclSpec } from '../kafka/kafka-platform';
import { idSafe } from '../kafka/kafka-principal';
import { KafkaScramUser } from '../kafka/kafka-scram-user';
import { KafkaTopic } from '../kafka/kafka-topic';
import { DataProductSpec, DataSubscriptionSpec, IDataPublisher, IPlatformDomain, ResolvedSubscription, SubscriberIdentity } from './data-product';
import { checkProducts } from './product-checks';
import { DataProductViews } from './data-product-views';

/** Props of {@link DecentralizedPlatform}. */
export interface DecentralizedPlatformProps {
  /** The shared streaming platform every domain's topics live on. A domain in its own stack needs a self-managed {@link KafkaCluster} (its stack reaches the same brokers with its own deployer credentials). */
  readonly kafka: IKafkaPlatform;
  /** The platform's shared Kafka Connect cluster: partial domains' sinks run on it. */
  readonly connect: KafkaConnectCluster;
  /** Google Cloud project of the platform, and of domains that set none. */
  readonly project: string;
  /** BigQuery location of domain datasets that set none. @default 'US' */
  readonly location?: string;
  /** Products the central platform publishes (its own topics and datasets) for domains to subscribe to as domain `central`. @default none */
  readonly products?: DataProductSpec[];
  /** Central datasets that central products may name. @default none */
  readonly datasets?: WarehouseDataset[];
  /**
   * Account id of the Google service account the platform creates for the shared Connect workers
   * when `connect` names none (`googleServiceAccount`). Sinks on the shared cluster write as it:
   * the platform's own (e.g. the monolith's) and the partial domains' landing sinks.
   * @default 'shared-connect'
   */
  readonly sharedConnectAccountId?: string;
}

/** Name under which the platform publishes its own products. */
export const CENTRAL = 'central';

interface PendingSubscription {
  readonly subscriber: IPlatformDomain;
  readonly spec: DataSubscriptionSpec;
}

/**
 * Stage 5, decentralization: the shared streaming platform and any number of {@link DataDomain}s,
 * each a team's microwarehouse. Nothing is shared between domains unless declared: a domain
 * publishes data products, another subscribes, and the platform derives exactly the grants that
 * subscription needs, in the publisher's stack (the publisher owns access to its data):
 *
 * - Kafka: Read + Describe on the product's topics (or prefix) for the subscriber's principal;
 *   when the product is landed, consume ACLs (topic + the sink's group) for the Connect workers;
 * - BigQuery: Data Viewer on the product's datasets for the subscriber's service account and readers.
 *
 * ```
 *              ┌──────────── DecentralizedPlatform (Kafka, shared Connect, central products) ─────────┐
 *  payments ──▶│ payments.* topics ── product "settlements" ──subscription──▶ risk (ACLs, Data Viewer) │
 *  (full)      │ own Debezium + sinks                                         (partial: landed by the   │
 *              └──────────────────────────────────────────────────────────── shared Connect cluster) ─┘
 * ```
 *
 * Domains can live in the platform's stack or each in its own `TerraformStack` (each team deploys
 * its own stack); in their own stack they reach the same brokers with a deployer user the platform
 * creates for them.
 *
 * **Who grants what (Kafka).** Kafka has no per-prefix ACL administration: creating an ACL or a
 * SCRAM credential needs `Alter` on the cluster, and whoever holds it can grant itself anything.
 * So a domain deployer holds no cluster permission at all, only `All` on its domain's topic
 * prefixes (`namespaces`) and consumer-group prefix: it creates the domain's topics and nothing
 * else. Every ACL and SCRAM user a domain declares (its namespace, its access model, its Connect
 * workers', the grants of products it publishes) is applied by the platform, in the platform's
 * stack ({@link domainAccessScope}), with the platform's admin credentials. A domain changes its
 * access by changing its declaration; the platform's pipeline, which synthesizes every domain,
 * applies it. The platform's stack is therefore deployed first (domain stacks depend on it).
 *
 * **Identities and deploy order.** The platform creates every Google service account that another
 * stack grants something to: each domain's workload account ({@link domainServiceAccount}) and,
 * unless `connect` names one, the shared Connect workers' account. Grants name them by reference,
 * never by literal email (a literal has no dependency edge: in one stack the grant races the
 * account's creation, across stacks it precedes it; WarehouseDataset refuses a literal email of an
 * account the app creates). In one stack, Terraform orders everything by those references. With a
 * stack per domain, deploy the platform's stack first, then the domain stacks in any order: a
 * domain stack reads the accounts from the platform's outputs, and publishing domains grant
 * subscribers' accounts that already exist.
 */
export class DecentralizedPlatform extends Construct implements IDataPublisher {
  public readonly publisherName = CENTRAL;
  /** The shared Kafka platform (in the platform's stack). */
  public readonly kafka: IKafkaPlatform;
  /** The shared Connect cluster (in the platform's stack). */
  public readonly connect: KafkaConnectCluster;
  /** Project of the platform. */
  public readonly project: string;
  /** Default BigQuery location of domains. */
  public readonly location: string;
  /** IAM member of the shared Connect workers' Google service account (they write the sinks of the platform and of partial domains). */
  public readonly sharedConnectMember: string;
  /** The shared Connect workers' service account, when the platform created it (`connect` named none). */
  public readonly sharedConnectAccount?: PipelineServiceAccount;
  /** Central products by name. */
  public readonly products: ReadonlyMap<string, DataProductSpec>;
  /** Domains by name, in the order they were added. */
  public readonly domains = new Map<string, IPlatformDomain>();
  /** Every subscription resolved so far. */
  public readonly subscriptions: ResolvedSubscription[] = [];
  /** Authorized views of the central products, in `central_products`, if any product has views. */
  public readonly productViews?: DataProductViews;
  /** Deployer SCRAM users of domains that live in their own stacks, by domain. */
  public readonly deployers: Record<string, KafkaScramUser> = {};

  private readonly pending: PendingSubscription[] = [];
  private readonly centralDatasets: WarehouseDataset[];
  private readonly aclKeys = new WeakMap<IDataPublisher, Map<string, TerraformResource>>();

  constructor(scope: Construct, id: string, props: DecentralizedPlatformProps) {
    super(scope, id);
    // Required props checked at run time too (plain JavaScript, ts-node --transpile-only).
    validateProps.required(this, props, { kafka: 'IKafkaPlatform', connect: 'KafkaConnectCluster', project: 'string' });
    this.kafka = props.kafka;
    this.connect = props.connect;
    this.project = props.project;
    this.location = props.location ?? 'US';
    this.centralDatasets = props.datasets ?? [];
    const products = props.products ?? [];
    this.products = new Map(products.map((p) => [p.name, p]));
    if (props.connect.googleServiceAccount === undefined) {
      // Job User comes from the sinks (KafkaConnectCluster.grantBigQueryJobUser), once per project.
      this.sharedConnectAccount = new PipelineServiceAccount(this, 'shared-connect-account', {
        project: props.project,
        accountId: props.sharedConnectAccountId ?? 'shared-connect',
        displayName: 'Shared Kafka Connect workers of the data platform',
      });
      props.connect.useGoogleServiceAccount(this.sharedConnectAccount.email);
    }
    this.sharedConnectMember = props.connect.googleMember!;
    if (products.some((p) => (p.views ?? []).length > 0)) {
      this.productViews = new DataProductViews(this, 'product-views', {
        project: props.project,
        location: this.location,
        datasetId: `${CENTRAL}_products`,
        products,
        datasetById: (id) => this.datasetById(id),
        labels: { owner: 'data-platform', classification: 'internal' },
      });
    }
    validateProps(this, (p) => {
      const stack = TerraformStack.of(this);
      const defined = stack.node.findAll().filter((c): c is KafkaTopic => c instanceof KafkaTopic && c.platform === this.kafka);
      const topics = new Set(defined.map((t) => t.name));
      // A domain's namespace is its own: no topic of the platform or another domain may lie under it.
      for (const domain of this.domains.values()) {
        const inside = `${domain.node.path}/`;
        const foreign = defined.filter((t) => domain.namespaces.some((n) => t.name.startsWith(n)) && !t.node.path.startsWith(inside)).map((t) => t.name);
        if (foreign.length > 0) {
          p.add(
            `domains['${domain.name}']`,
            domain.name,
            `a domain name whose namespace "${domain.namespace}" holds no topic of another owner; these are not the domain's: ${foreign.slice(0, 5).join(', ')}`,
          );
        }
      }
      checkProducts(p, products, {
        topicAllowed: () => true,
        topicExists: (t) => topics.has(t),
        prefixExists: (x) => [...topics].some((t) => t.startsWith(x)),
        datasetExists: (d) => this.datasetById(d) !== undefined,
        where: `stack "${stack.node.id}"`,
      });
    });
  }

  /**
   * The workload service account of domain `name` (BigQuery Job User in `project`), created here,
   * in the platform's stack, so that it exists before any stack grants it access (see the class doc).
   */
  public domainServiceAccount(name: string, project: string): PipelineServiceAccount {
    const id = `domain-account-${name}`;
    const existing = this.node.tryFindChild(id);
    if (existing) return existing as PipelineServiceAccount;
    return new PipelineServiceAccount(this, id, {
      project,
      accountId: serviceAccountId(`${name}-domain`),
      displayName: `Workloads of the ${name} domain`,
      projectRoles: ['roles/bigquery.jobUser'],
    });
  }

  /**
   * Scope, in the platform's stack, of the ACLs and SCRAM users of domain `name` when it lives in
   * its own stack: the platform applies them (see the class doc, "Who grants what").
   */
  public domainAccessScope(name: string): Construct {
    const id = `domain-access-${name}`;
    return (this.node.tryFindChild(id) as Construct | undefined) ?? new Construct(this, id);
  }

  /** Subscriptions of `domain` whose publisher has not joined the platform (or that name the domain itself). */
  public unresolvedOf(domain: IPlatformDomain): DataSubscriptionSpec[] {
    return this.pending.filter((x) => x.subscriber === domain).map((x) => x.spec);
  }

  /** Lets `member` read the authorized views of one of the central products. */
  public grantProductViews(product: string, member: string): void {
    this.productViews?.grantRead(product, member);
  }

  /** A central dataset by id. */
  public datasetById(datasetId: string): WarehouseDataset | undefined {
    return this.centralDatasets.find((d) => d.datasetId === datasetId);
  }

  /** Whether a domain's resources live in another stack than the platform's. */
  public isSeparate(domain: Construct): boolean {
    return TerraformStack.of(domain) !== TerraformStack.of(this);
  }

  /**
   * Adds a domain (called by {@link DataDomain}'s constructor): creates its deployer user when it
   * lives in its own stack, and resolves every subscription that both sides of are now known.
   */
  public registerDomain(domain: IPlatformDomain, subscriptions: DataSubscriptionSpec[]): void {
    if (this.domains.has(domain.name) || domain.name === CENTRAL) {
      domain.reportDuplicateName();
      return;
    }
    this.domains.set(domain.name, domain);
    if (this.isSeparate(domain)) this.addDeployer(domain);
    for (const spec of subscriptions) this.pending.push({ subscriber: domain, spec });
    this.resolvePending();
  }

  private resolvePending(): void {
    for (let i = 0; i < this.pending.length;) {
      const { subscriber, spec } = this.pending[i];
      const publisher: IDataPublisher | undefined = spec.domain === CENTRAL ? this : this.domains.get(spec.domain);
      if (!publisher || publisher.publisherName === subscriber.name) {
        i++;
        continue;
      }
      this.pending.splice(i, 1);
      this.subscribe(subscriber, publisher, spec);
    }
  }

  private subscribe(subscriber: IPlatformDomain, publisher: IDataPublisher, spec: DataSubscriptionSpec): void {
    const product = publisher.products.get(spec.product);
    if (!product) {
      subscriber.reportMissingProduct(spec, [...publisher.products.keys()]);
      return;
    }
    const land = (spec.land ?? subscriber.mode === 'partial') && ((product.topics ?? []).length > 0 || product.topicPrefix !== undefined);
    const landing = land ? subscriber.land(publisher.publisherName, product) : undefined;
    const identity: SubscriberIdentity = {
      domain: subscriber.name,
      kafkaPrincipal: subscriber.kafkaPrincipal,
      googleMembers: subscriber.googleMembers,
      landingPrincipal: landing?.principal,
      landingGroup: landing?.group,
    };
    const landingAcls = this.share(publisher, product, identity);
    // The landing sink starts only once it may read (in one stack; across stacks, the platform's goes first).
    landing?.connector?.addDependency(...landingAcls);
    const resolved: ResolvedSubscription = {
      subscriber: subscriber.name,
      publisher: publisher.publisherName,
      product: product.name,
      topics: [...(product.topics ?? [])],
      topicPrefix: product.topicPrefix,
      datasets: [...(product.datasets ?? [])],
      views: (product.views ?? []).map((v) => v.name),
      landed: land,
    };
    this.subscriptions.push(resolved);
    subscriber.subscribed(resolved);
  }

  /**
   * Writes, in the publisher's stack, exactly the grants a subscriber of `product` needs; returns
   * the resources of the landing sink's ACLs.
   */
  private share(publisher: IDataPublisher, product: DataProductSpec, who: SubscriberIdentity): TerraformResource[] {
    const scope = new Construct(publisher, `share-${idSafe(who.domain)}-${idSafe(product.name)}`);
    let keys = this.aclKeys.get(publisher);
    if (!keys) {
      keys = new Map();
      this.aclKeys.set(publisher, keys);
    }
    const seen = keys;
    const acl = (spec: Omit<KafkaAclSpec, 'host' | 'permission'>): TerraformResource => {
      const key = `${spec.principal} ${spec.operation} ${spec.resourceType}:${spec.patternType}:${spec.resourceName}`;
      const existing = seen.get(key);
      if (existing) return existing;
      const resource = new KafkaAcl(scope, idSafe(`${spec.principal}-${spec.operation}-${spec.resourceType}-${spec.patternType}-${spec.resourceName}`), {
        platform: publisher.kafka,
        ...spec,
      }).resource;
      seen.set(key, resource);
      return resource;
    };
    const landingAcls: TerraformResource[] = [];
    const targets: [string, 'Literal' | 'Prefixed'][] = [
      ...(product.topics ?? []).map((t) => [t, 'Literal'] as [string, 'Literal']),
      ...(product.topicPrefix !== undefined ? [[product.topicPrefix, 'Prefixed'] as [string, 'Prefixed']] : []),
    ];
    for (const [name, patternType] of targets) {
      // The subscriber's applications read with groups of their own namespace, granted in their own stack.
      for (const operation of ['Read', 'Describe'] as const)
        acl({ principal: who.kafkaPrincipal, operation, resourceType: 'Topic', resourceName: name, patternType });
      if (who.landingPrincipal && who.landingGroup) {
        for (const need of aclsForIntent('consume', name, patternType, { group: who.landingGroup }))
          landingAcls.push(acl({ principal: who.landingPrincipal, ...need }));
      }
    }
    for (const datasetId of product.datasets ?? []) {
      const dataset = publisher.datasetById(datasetId);
      if (!dataset) continue; // reported by the publisher's product checks
      for (const member of who.googleMembers) dataset.grantRead(member);
    }
    for (const member of who.googleMembers) publisher.grantProductViews(product.name, member);
    return landingAcls;
  }

  private addDeployer(domain: IPlatformDomain): void {
    if (!(this.kafka instanceof KafkaCluster)) return; // reported by the domain
    const username = `${domain.name}-deployer`;
    this.deployers[domain.name] = new KafkaScramUser(this, `deployer-${domain.name}`, {
      platform: this.kafka,
      username,
      password: SecretValue.fromVariable(`${domain.name.replace(/-/g, '_')}_deployer_kafka_password`, `Kafka password of the ${domain.name} domain's deployer`),
    });
    const scope = new Construct(this, `deployer-acls-${domain.name}`);
    const principal = `User:${username}`;
    const add = (
      resourceType: 'Topic' | 'Group' | 'Cluster',
      resourceName: string,
      patternType: 'Literal' | 'Prefixed',
      operation: 'All' | 'Alter' | 'Describe',
    ) =>
      new KafkaAcl(scope, idSafe(`${resourceType}-${operation}-${resourceName}`), {
        platform: this.kafka,
        principal,
        resourceType,
        resourceName,
        patternType,
        operation,
      });
    for (const prefix of domain.namespaces) add('Topic', prefix, 'Prefixed', 'All');
    add('Group', domain.namespace, 'Prefixed', 'All');
    // Nothing on the cluster: creating ACLs or SCRAM credentials needs Alter on it, and Kafka has
    // no per-prefix ACL admin, so Alter would let the deployer grant itself anything. The domain's
    // ACLs and users are applied here instead, by the platform (domainAccessScope).
  }
}
