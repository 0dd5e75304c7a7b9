import { SecretValue } from '../../constructs/core/secret-value';
import { KafkaConnectCluster } from '../../constructs/connect/kafka-connect-cluster';
import { PubSubSink } from '../../constructs/connect/pubsub-sink';
import { problems, resources, synth } from '../helpers';
import { connectCluster, kafkaCluster } from '../fixtures';

describe('PubSubSink', () => {
  test('publishes the records as written to a topic it creates, and grants the publisher role to the workers', () => {
    let sink!: PubSubSink;
    const json = synth((stack) => {
      sink = new PubSubSink(stack, 'pubsub', {
        cluster: connectCluster(stack, kafkaCluster(stack)),
        name: 'events-pubsub',
        project: 'acme-data',
        pubsubTopic: 'risk-events',
        topics: ['events.risk.device_events'],
        sources: [{ kind: 'cassandra', topics: [{ topic: 'events.risk.device_events', keyFields: ['device_id'] }] }],
        publisherMember: 'serviceAccount:connect@acme-data.iam.gserviceaccount.com',
        orderingKeySource: 'key',
        messageRetentionDuration: '604800s',
      });
    });
    const [c] = resources(json, 'kafka-connect_connector');
    expect(c.config).toEqual({
      name: 'events-pubsub',
      'connector.class': 'com.google.pubsub.kafka.sink.CloudPubSubSinkConnector',
      'tasks.max': '1',
      'cps.project': 'acme-data',
      'cps.topic': 'risk-events',
      'value.converter': 'org.apache.kafka.connect.converters.ByteArrayConverter',
      'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
      topics: 'events.risk.device_events',
      orderingKeySource: 'key',
    });
    expect(resources(json, 'google_pubsub_topic')).toEqual([
      expect.objectContaining({ project: 'acme-data', name: 'risk-events', message_retention_duration: '604800s' }),
    ]);
    expect(resources(json, 'google_pubsub_topic_iam_member')).toEqual([
      expect.objectContaining({
        project: 'acme-data',
        role: 'roles/pubsub.publisher',
        member: 'serviceAccount:connect@acme-data.iam.gserviceaccount.com',
        topic: expect.stringMatching(/^\$\{google_pubsub_topic\..+\.name\}$/),
      }),
    ]);
    expect(c.depends_on).toHaveLength(2);
    expect(sink.topicId).toBe('projects/acme-data/topics/risk-events');
  });

  test('each bad prop is reported; without a publisher the workers could not publish', () => {
    const found = problems((stack) => {
      // A cluster declared without its workers' Google identity.
      const cluster = new KafkaConnectCluster(stack, 'bare', {
        url: 'https://connect:8083',
        kafka: kafkaCluster(stack),
        kafkaCredentials: { username: 'connect', password: SecretValue.fromVariable('p') },
      });
      new PubSubSink(stack, 'a', {
        cluster,
        name: 'a',
        project: 'X',
        pubsubTopic: 'goog-x',
        topics: ['t'],
        topicsRegex: 't.*',
        orderingKeySource: 'all' as any,
        messageRetentionDuration: '7d',
      });
    });
    expect(found).toEqual([
      '[test/a] project: "X" is not valid; allowed: a Google Cloud project id (6-30 lowercase letters, digits, hyphens)',
      "[test/a] pubsubTopic: \"goog-x\" is not valid; allowed: a Pub/Sub topic id: 3-255 letters, digits, '-', '_', '.', '~', '+' or '%', starting with a letter, not with 'goog'",
      '[test/a] topics/topicsRegex: ["t"] is not valid; allowed: exactly one of topics and topicsRegex',
      "[test/a] publisherMember: undefined is not valid; allowed: the IAM member of the Connect workers' Google identity (e.g. serviceAccount:connect@<project>.iam.gserviceaccount.com), or a Connect cluster with a Google service account: it needs roles/pubsub.publisher on the topic",
      '[test/a] orderingKeySource: "all" is not valid; allowed: none, key or partition',
      '[test/a] messageRetentionDuration: "7d" is not valid; allowed: a duration in seconds such as \'604800s\'',
    ]);
  });
});
