/**
 * What a {@link DataDomain} is declared with, beside its props: the datasets, topics, Connect cluster
 * and access model of a team's microwarehouse.
 */
import { AccessPrincipal, AccessRole, AccessTeam } from '../access/access-types';
import { ConnectSecretsOptions } from '../connect/kafka-connect-cluster';
import { SecretValue } from '../core/secret-value';
import { KafkaTopicConfig } from '../kafka/kafka-topic';

/** A dataset of the domain's microwarehouse. */
export interface DomainDatasetSpec {
  /** Name within the domain; the dataset id is `<domain>_<name>` ('-' → '_'). */
  readonly name: string;
  /** Description. @default none */
  readonly description?: string;
}

/** A topic the domain owns besides those its pipelines create. */
export interface DomainTopicSpec {
  /** Full topic name, under the domain's namespace `<domain>.`. */
  readonly name: string;
  /** Partitions. @default the platform's defaultPartitions */
  readonly partitions?: number;
  /** Topic configuration. @default broker defaults */
  readonly config?: KafkaTopicConfig;
}

/** The domain's own Kafka Connect cluster (full decentralization). */
export interface DomainConnectOptions {
  /** REST URL of the domain's Connect cluster. */
  readonly url: string;
  /** Password of the Connect workers' SCRAM user `<domain>-connect`. @default sensitive variable `<domain>_connect_kafka_password` */
  readonly kafkaPassword?: SecretValue;
  /** Where the workers read connector secrets (see {@link KafkaConnectCluster}). @default none: secrets go to `config_sensitive` */
  readonly secrets?: ConnectSecretsOptions;
}

/** The domain's access model: who in the team may read or write what the domain owns or subscribes to. */
export interface DomainAccessSpec {
  /** People, groups, service accounts and Kafka clients of the domain. */
  readonly principals: AccessPrincipal[];
  /** Roles; topic grants must stay under the domain's namespace or name subscribed topics, dataset grants name the domain's datasets. */
  readonly roles: AccessRole[];
  /** Teams. @default none */
  readonly teams?: AccessTeam[];
}
