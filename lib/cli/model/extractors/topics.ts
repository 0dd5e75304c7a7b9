import { ModelBuilder, topicId } from '../builder';

/**
 * Kafka topics (self-managed and Managed Kafka). Topics that connectors name in their own config
 * (schema history, heartbeats) or that sit under an internal construct are marked internal.
 */
export function extractTopics(b: ModelBuilder): void {
  for (const c of b.connectors) {
    for (const [k, v] of Object.entries<any>(c.body.config ?? {})) {
      if (typeof v === 'string' && /\.topic$/.test(k) && !/^topics?$/.test(k) && !k.startsWith('cps.') && !k.startsWith('transforms.'))
        b.internalTopicNames.add(v);
    }
  }
  for (const t of b.ofType('kafka_topic')) {
    if (/\/(heartbeat-topic|schema-history-topic|offsets-topic|internal-[^/]*)\/topic$/.test(t.path)) b.internalByPath.add(String(t.body.name));
  }
  for (const t of b.ofType('kafka_topic', 'google_managed_kafka_topic')) {
    const name = String(t.body.name ?? t.body.topic_id ?? t.name);
    const cfg = t.body.config ?? t.body.configs ?? {};
    const details = [`${t.body.partitions ?? t.body.partition_count ?? '?'} partitions${cfg['cleanup.policy'] ? ` · ${cfg['cleanup.policy']}` : ''}`];
    b.addNode({ id: topicId(name), kind: 'topic', label: name, tech: 'Kafka topic', details, paths: [t.path], internal: b.isInternalTopic(name) });
  }
}
