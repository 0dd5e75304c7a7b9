import { Construct } from 'constructs';
import { PubsubTopic } from '@cdktf/provider-google/lib/pubsub-topic';
import { PubsubTopicIamMember } from '@cdktf/provider-google/lib/pubsub-topic-iam-member';
import { isIntIn, validateProps } from '../core/validation';
import { checkSinkSources, SinkSource } from './change-events';
import { Connector } from './connector';
import { checkTopicChoice } from './elasticsearch-sink';
import { KafkaConnectCluster } from './kafka-connect-cluster';

/** Where the Pub/Sub sink takes each message's ordering key from. */
export type PubSubOrderingKeySource = 'none' | 'key' | 'partition';

/** Props of {@link PubSubSink}. */
export interface PubSubSinkProps {
  /** Connect cluster. */
  readonly cluster: KafkaConnectCluster;
  /** Connector name. */
  readonly name: string;
  /** Google Cloud project of the Pub/Sub topic. */
  readonly project: string;
  /** Pub/Sub topic id the events are published to (created here). */
  readonly pubsubTopic: string;
  /** Kafka topics to publish. Exactly one of `topics` and `topicsRegex`. @default none */
  readonly topics?: string[];
  /** Regex of Kafka topics to publish. Exactly one of `topics` and `topicsRegex`. @default none */
  readonly topicsRegex?: string;
  /** The sources whose change events the topics carry; every kind is accepted, since events are forwarded as written. @default not described */
  readonly sources?: SinkSource[];
  /**
   * IAM member the Connect workers publish as (their Google identity: the sink uses Application
   * Default Credentials); it gets `roles/pubsub.publisher` on the topic.
   * @default the Connect cluster's Google service account, when it has one
   */
  readonly publisherMember?: string;
  /**
   * Ordering key of each message: `key` (the Kafka key as text, per-key order for subscriptions
   * with message ordering), `partition`, or `none`.
   * @default 'none'
   */
  readonly orderingKeySource?: PubSubOrderingKeySource;
  /** How long the topic keeps messages, e.g. `604800s`. @default Pub/Sub's default (no topic retention) */
  readonly messageRetentionDuration?: string;
  /** Labels of the topic. @default none */
  readonly labels?: Record<string, string>;
  /** Maximum tasks. @default 1 */
  readonly tasksMax?: number;
  /** Extra config by the sink's own key names. @default none */
  readonly extraConfig?: Record<string, string>;
}

/** Class of Google's Pub/Sub sink connector (googleapis/java-pubsub-group-kafka-connector). */
export const PUBSUB_SINK_CLASS = 'com.google.pubsub.kafka.sink.CloudPubSubSinkConnector';

/**
 * The Pub/Sub sink: Google's Pub/Sub Group Kafka Connector publishing topics to a Pub/Sub topic,
 * which is created here, with `roles/pubsub.publisher` on it for the Connect workers.
 *
 * Each message is the Kafka record's value exactly as the source wrote it (the sink reads it with
 * `ByteArrayConverter`), so a subscriber receives the same change event a Kafka consumer would, of
 * any source kind. The sink's own conversion of structured values cannot carry change events: it
 * refuses a struct with a nested struct ("Struct type does not support nested Map or Struct
 * types"), and every Debezium envelope has one. The Kafka key, read as text (`StringConverter`), is
 * the message's `key` attribute; a tombstone becomes a message with that attribute and no data.
 */
export class PubSubSink extends Construct {
  /** The connector. */
  public readonly connector: Connector;
  /** The Pub/Sub topic. */
  public readonly topic: PubsubTopic;
  /** Full id of the Pub/Sub topic, `projects/<project>/topics/<id>`. */
  public readonly topicId: string;
  /** The member granted `roles/pubsub.publisher`. */
  public readonly publisherMember?: string;

  constructor(scope: Construct, id: string, props: PubSubSinkProps) {
    super(scope, id);
    // Required props checked at run time too (plain JavaScript, ts-node --transpile-only).
    validateProps.required(this, props, { cluster: 'KafkaConnectCluster', name: 'string', project: 'string', pubsubTopic: 'string' });
    const ordering = props.orderingKeySource ?? 'none';
    this.publisherMember = props.publisherMember ?? (props.cluster as { googleMember?: string }).googleMember;
    this.topicId = `projects/${props.project}/topics/${props.pubsubTopic}`;
    validateProps(this, (p) => {
      p.check(
        /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/.test(props.project) || props.project.includes('${'),
        'project',
        props.project,
        'a Google Cloud project id (6-30 lowercase letters, digits, hyphens)',
      );
      p.check(
        /^[A-Za-z][A-Za-z0-9._~%+-]{2,254}$/.test(props.pubsubTopic) && !props.pubsubTopic.startsWith('goog'),
        'pubsubTopic',
        props.pubsubTopic,
        "a Pub/Sub topic id: 3-255 letters, digits, '-', '_', '.', '~', '+' or '%', starting with a letter, not with 'goog'",
      );
      checkTopicChoice(p, props.topics, props.topicsRegex);
      checkSinkSources(p, 'pubsub', `Pub/Sub sink ${props.name}`, props.sources);
      p.check(
        this.publisherMember !== undefined,
        'publisherMember',
        undefined,
        "the IAM member of the Connect workers' Google identity (e.g. serviceAccount:connect@<project>.iam.gserviceaccount.com), or a Connect cluster with a Google service account: it needs roles/pubsub.publisher on the topic",
      );
      if (this.publisherMember !== undefined)
        p.check(
          /^(serviceAccount|user|group|principal|principalSet):\S+$/.test(this.publisherMember),
          'publisherMember',
          this.publisherMember,
          "an IAM member such as 'serviceAccount:<email>'",
        );
      p.check(['none', 'key', 'partition'].includes(ordering), 'orderingKeySource', ordering, 'none, key or partition');
      if (props.messageRetentionDuration !== undefined)
        p.check(
          /^\d+(\.\d+)?s$/.test(props.messageRetentionDuration),
          'messageRetentionDuration',
          props.messageRetentionDuration,
          "a duration in seconds such as '604800s'",
        );
      if (props.tasksMax !== undefined) p.check(isIntIn(props.tasksMax, 1, 1000), 'tasksMax', props.tasksMax, 'an integer from 1 to 1000');
    });
    this.topic = new PubsubTopic(this, 'topic', {
      project: props.project,
      name: props.pubsubTopic,
      labels: props.labels,
      messageRetentionDuration: props.messageRetentionDuration,
    });
    const publisher = this.publisherMember
      ? new PubsubTopicIamMember(this, 'publisher', {
          project: props.project,
          topic: this.topic.name,
          role: 'roles/pubsub.publisher',
          member: this.publisherMember,
        })
      : undefined;
    const config: Record<string, string> = {
      ...(props.extraConfig ?? {}),
      'cps.project': props.project,
      'cps.topic': props.pubsubTopic,
      'value.converter': 'org.apache.kafka.connect.converters.ByteArrayConverter',
      'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
    };
    if (props.topics) config.topics = props.topics.join(',');
    if (props.topicsRegex !== undefined) config['topics.regex'] = props.topicsRegex;
    if (ordering !== 'none') config.orderingKeySource = ordering;
    this.connector = new Connector(this, 'connector', {
      cluster: props.cluster,
      name: props.name,
      connectorClass: PUBSUB_SINK_CLASS,
      tasksMax: props.tasksMax,
      config,
    });
    // Publishing starts with the first task: the topic and the publisher role must exist by then.
    this.connector.addDependency(this.topic, ...(publisher ? [publisher] : []));
  }
}
