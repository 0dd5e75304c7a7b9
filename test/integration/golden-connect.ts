/**
 * A least-privileged Kafka Connect worker for the golden comparison tests, which create their
 * Debezium connectors by hand (test/cdc-worker/golden.ts). As in connect-least-privilege.test.ts,
 * a small stack's Terraform (the real Mongey/kafka provider) creates the worker's SCRAM user, its
 * group and internal topics with their ACLs (KafkaConnectCluster), and grants on the topics the
 * connectors write; then a {@link NamedConnectWorker} logs in as that user, never as the broker's
 * super user. The shared worker (CONNECT_URL, logged in as `admin`) is not used.
 */
import * as fs from 'fs';
import { App, Testing, TerraformStack } from 'cdktf';
import { GoogleProvider } from '@cdktf/provider-google/lib/provider';
import { SecretValue } from '../../constructs/core/secret-value';
import { KafkaCluster } from '../../constructs/kafka/kafka-cluster';
import { KafkaScramUser } from '../../constructs/kafka/kafka-scram-user';
import { KafkaAccessGrant } from '../../constructs/kafka/kafka-access-grant';
import { KafkaTopic } from '../../constructs/kafka/kafka-topic';
import { SCHEMA_HISTORY_TOPIC_CONFIG } from '../../constructs/connect/debezium-common';
import { KafkaConnectCluster } from '../../constructs/connect/kafka-connect-cluster';
import { NamedConnectWorker, requireInfra } from './infra';
import { TerraformWorkdir, withoutGoogle } from './terraform';
import { apply, resolveWorkerProperties } from './connect-harness';

/** Options of {@link GoldenConnect}. */
export interface GoldenConnectOptions {
  /** Short run id: the worker's name, user `<run>-connect`, group and internal topics `<run>-connect.*`. */
  readonly run: string;
  /** REST port on 127.0.0.1. */
  readonly port: number;
  /** Topic prefixes the connectors produce to (e.g. `<topic.prefix>.`). */
  readonly produce: string[];
  /**
   * Schema history topics (Debezium MySQL/MariaDB), created by the stack (one partition, kept
   * forever): produced to, read back with consumer group `group`, their settings checked
   * (DescribeConfigs). @default none
   */
  readonly schemaHistory?: { topic: string; group: string }[];
}

/** The stack's Terraform and the worker that runs as its Connect user. */
export class GoldenConnect {
  public readonly worker: NamedConnectWorker;
  public readonly url: string;
  public readonly user: string;
  /** The user's password. */
  public readonly password: string;
  private readonly tf: TerraformWorkdir;
  private logMark = 0;

  constructor(o: GoldenConnectOptions) {
    const env = requireInfra(['KAFKA_BOOTSTRAP', 'KAFKA_ADMIN_USER', 'KAFKA_ADMIN_PASSWORD', 'KAFKA_VERSION'] as const);
    this.user = `${o.run}-connect`;
    this.url = `http://127.0.0.1:${o.port}`;
    const passwords = { kafka_admin_password: env.KAFKA_ADMIN_PASSWORD, connect_password: `c-${o.run}-secret` };
    this.password = passwords.connect_password;
    const app: App = Testing.app();
    const stack = new TerraformStack(app, 'golden-connect-it');
    new GoogleProvider(stack, 'google', { project: 'acme-it' });
    const kafka = new KafkaCluster(stack, 'kafka', {
      bootstrapServers: env.KAFKA_BOOTSTRAP.split(','),
      kafkaVersion: env.KAFKA_VERSION,
      tlsEnabled: false,
      brokerCount: 1,
      sasl: { username: env.KAFKA_ADMIN_USER, password: SecretValue.fromVariable('kafka_admin_password') },
    });
    const user = new KafkaScramUser(stack, 'connect-user', { platform: kafka, username: this.user, password: SecretValue.fromVariable('connect_password') });
    // the cluster creates the worker's group and internal topics and their ACLs
    const connect = new KafkaConnectCluster(stack, 'connect', {
      url: this.url,
      kafka,
      workerPrincipal: user.principal,
      kafkaCredentials: { username: user.username, password: user.password },
      worker: {
        groupId: `${o.run}-connect`,
        configStorageTopic: `${o.run}-connect.configs`,
        offsetStorageTopic: `${o.run}-connect.offsets`,
        statusStorageTopic: `${o.run}-connect.status`,
        offsetStoragePartitions: 1,
        statusStoragePartitions: 1,
        replicationFactor: 1,
      },
    });
    o.produce.forEach((prefix, i) => {
      new KafkaAccessGrant(stack, `produce-${i}`, { platform: kafka, principal: user.principal, intent: 'produce', topic: prefix, topicIsPrefix: true });
    });
    (o.schemaHistory ?? []).forEach((h, i) => {
      new KafkaTopic(stack, `history-topic-${i}`, { platform: kafka, name: h.topic, partitions: 1, replicationFactor: 1, config: SCHEMA_HISTORY_TOPIC_CONFIG });
      new KafkaAccessGrant(stack, `history-produce-${i}`, { platform: kafka, principal: user.principal, intent: 'produce', topic: h.topic });
      new KafkaAccessGrant(stack, `history-consume-${i}`, { platform: kafka, principal: user.principal, intent: 'consume', topic: h.topic, group: h.group });
      new KafkaAccessGrant(stack, `history-configs-${i}`, { platform: kafka, principal: user.principal, intent: 'describe-configs', topic: h.topic });
    });
    const json = withoutGoogle(JSON.parse(Testing.synth(stack))).json;
    this.tf = new TerraformWorkdir(json, passwords);
    this.worker = new NamedConnectWorker({
      name: o.run,
      port: o.port,
      user: this.user,
      password: passwords.connect_password,
      group: `${o.run}-connect`,
      configTopic: `${o.run}-connect.configs`,
      offsetTopic: `${o.run}-connect.offsets`,
      statusTopic: `${o.run}-connect.status`,
      workerProperties: resolveWorkerProperties(connect.workerProperties, passwords),
    });
  }

  /** Applies the stack (user, internal topics, ACLs), then starts the worker. */
  public up(): void {
    this.tf.must(['init', '-input=false', '-no-color']);
    apply(this.tf);
    this.logMark = this.worker.logMark();
    this.worker.up();
  }

  /** The SCRAM users the worker's properties log in as (the worker and its connectors' clients): only {@link user}. */
  public loginUsers(): string[] {
    return [...new Set([...fs.readFileSync(this.worker.configFile, 'utf8').matchAll(/username="([^"]+)"/g)].map((m) => m[1]))];
  }

  /** Authorization failures in the worker's log since {@link up}. */
  public authorizationErrors(): string[] {
    return this.worker.authorizationErrors(this.logMark);
  }

  /** Stops the worker and deletes its state, then destroys the user, topics and ACLs. */
  public down(): void {
    try {
      this.worker.clean();
    } catch (e) {
      console.error(String(e));
    }
    const r = this.tf.run(['destroy', '-auto-approve', '-input=false', '-no-color']);
    if (r.status !== 0) console.error(`terraform destroy exited ${r.status}: ${r.stderr.slice(-2000)}`);
  }
}
