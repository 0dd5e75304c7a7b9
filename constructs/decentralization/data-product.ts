import { IConstruct } from 'constructs';
import { WarehouseDataset } from '../bigquery/warehouse-dataset';
import type { Connector } from '../connect/connector';
import { IKafkaPlatform } from '../kafka/kafka-platform';

/**
 * How far a domain is decentralized:
 * - `full`: the domain runs its own connectors and pipelines (its own Connect cluster, its own
 *   Debezium captures and BigQuery sinks over its own sources);
 * - `partial`: the domain owns its datasets, topics and access, but its data comes from
 *   subscriptions to the central platform's (or other domains') topics, landed by sinks on the
 *   platform's shared Connect cluster.
 */
export type DecentralizationMode = 'full' | 'partial';

/** What a domain (or the central platform) publishes for other domains to subscribe to. */
export interface DataProductSpec {
  /** Product name, unique within its publisher: lowercase letters, digits, '-' and '_'. */
  readonly name: string;
  /** One line on what the product is. @default none */
  readonly description?: string;
  /** Topics of the publisher that make up the product (in a domain: under its namespace `<domain>.`). @default none */
  readonly topics?: string[];
  /** A topic prefix of the publisher, e.g. `payments.ledger.` (in a domain: under its namespace). @default none */
  readonly topicPrefix?: string;
  /** Dataset ids of the publisher whose tables subscribers may read (BigQuery Data Viewer). @default none */
  readonly datasets?: string[];
  /**
   * Authorized views: each a view in the publisher's `<publisher>_products` dataset, authorized on
   * the publisher's datasets it reads; subscribers may read the view and nothing behind it.
   * @default none
   */
  readonly views?: DataProductView[];
}

/** An authorized view of a data product. */
export interface DataProductView {
  /** View name (its table id): letters, digits and '_'. */
  readonly name: string;
  /** Standard SQL of the view, naming tables as `project.dataset.table`. */
  readonly query: string;
  /** Dataset ids of the publisher the query reads; the view is authorized on each. */
  readonly sources: string[];
}

/** A subscription of a domain to another's data product. */
export interface DataSubscriptionSpec {
  /** The publishing domain's name, or `central` for the platform's own products. */
  readonly domain: string;
  /** The product's name. */
  readonly product: string;
  /**
   * Land the product's topics in the subscriber's `<domain>_subscriptions` dataset with a
   * BigQuery sink (partial domains: on the platform's shared Connect cluster; full domains: on
   * their own). Needs a product with topics.
   * @default true for partial domains, false for full domains
   */
  readonly land?: boolean;
}

/** The identities of a subscriber a publisher grants access to. */
export interface SubscriberIdentity {
  /** The subscribing domain's name. */
  readonly domain: string;
  /** Kafka principal of the domain's applications, e.g. `User:risk`. */
  readonly kafkaPrincipal: string;
  /** Google IAM members that read the product's datasets (the domain's service account and readers). */
  readonly googleMembers: string[];
  /** Kafka principal of the Connect workers that land the product, when it is landed. @default not landed */
  readonly landingPrincipal?: string;
  /** Consumer group of the landing sink, when it is landed. @default not landed */
  readonly landingGroup?: string;
}

/** A publisher of data products: a {@link DataDomain} or the {@link DecentralizedPlatform} (as `central`). */
export interface IDataPublisher extends IConstruct {
  /** `central` or the domain's name. */
  readonly publisherName: string;
  /** Products published, by name. */
  readonly products: ReadonlyMap<string, DataProductSpec>;
  /** The Kafka platform as seen from the publisher's stack. */
  readonly kafka: IKafkaPlatform;
  /** A dataset of the publisher by id, if it has one. */
  datasetById(datasetId: string): WarehouseDataset | undefined;
  /** Lets `member` read the authorized views of `product`, if it has any. */
  grantProductViews(product: string, member: string): void;
}

/**
 * What the {@link DecentralizedPlatform} needs of one of its domains. {@link DataDomain} implements it;
 * the platform holds domains through this interface so that the two constructs do not import each other.
 */
export interface IPlatformDomain extends IDataPublisher {
  /** The domain's name. */
  readonly name: string;
  /** Whether the domain runs its own pipelines (`full`) or only owns datasets (`partial`). */
  readonly mode: DecentralizationMode;
  /** The domain's main topic and group prefix. */
  readonly namespace: string;
  /** Every topic prefix the domain owns. */
  readonly namespaces: string[];
  /** Kafka principal of the domain's applications. */
  readonly kafkaPrincipal: string;
  /** Google IAM members that read what the domain subscribes to. */
  readonly googleMembers: string[];
  /**
   * Lands `product` of `publisher` in the domain's warehouse; returns the landing principal and
   * group, and the landing sink's connector, which the platform makes wait for its ACLs.
   */
  land(publisher: string, product: DataProductSpec): { principal: string; group: string; connector?: Connector };
  /** Records a subscription the platform resolved. */
  subscribed(s: ResolvedSubscription): void;
  /** Reports a subscription to a product the publisher does not have. */
  reportMissingProduct(spec: DataSubscriptionSpec, known: string[]): void;
  /** Reports that another domain of the platform has the same name. */
  reportDuplicateName(): void;
}

/** What a resolved subscription created. */
export interface ResolvedSubscription {
  /** Subscriber domain. */
  readonly subscriber: string;
  /** Publisher (`central` or a domain). */
  readonly publisher: string;
  /** Product name. */
  readonly product: string;
  /** Topic names (literal) the subscriber may read. */
  readonly topics: string[];
  /** Topic prefix the subscriber may read, if the product has one. */
  readonly topicPrefix?: string;
  /** Dataset ids of the publisher the subscriber may read. */
  readonly datasets: string[];
  /** Names of the authorized views the subscriber may read (in the publisher's `<publisher>_products` dataset). */
  readonly views: string[];
  /** Whether the product is landed into the subscriber's dataset. */
  readonly landed: boolean;
}

/** Product and domain names: lowercase letters, digits, '-' and '_'. */
export const PRODUCT_NAME = /^[a-z][a-z0-9_-]{0,62}$/;
