import { list, ModelBuilder, topicId } from '../builder';
import { SinkKind } from '../types';

/** What a sink connector class writes to, and the technology shown. */
export function sinkKindOf(cls: string): { kind: SinkKind; tech: string } {
  if (/bigquery/i.test(cls)) return { kind: 'warehouse', tech: 'BigQuery sink' };
  if (/jdbc/i.test(cls)) return { kind: 'relational', tech: `JDBC sink (${cls.startsWith('io.debezium') ? 'Debezium' : 'Confluent'})` };
  if (/elasticsearch|opensearch/i.test(cls)) return { kind: 'search', tech: /opensearch/i.test(cls) ? 'OpenSearch sink' : 'Elasticsearch sink' };
  if (/neo4j/i.test(cls)) return { kind: 'graph', tech: 'Neo4j sink' };
  if (/pubsub/i.test(cls)) return { kind: 'messaging', tech: 'Pub/Sub sink' };
  return { kind: 'other', tech: cls.split('.').pop() ?? cls };
}

const STORE_TECH: Record<SinkKind, string> = {
  relational: 'database',
  search: 'search index',
  graph: 'graph database',
  messaging: 'Pub/Sub topic',
  warehouse: 'warehouse',
  other: 'store',
};

/** Sink connectors: the topics each consumes (listed or matched by regex) and the dataset or store it writes. */
export function extractSinks(b: ModelBuilder): void {
  for (const c of b.connectors.filter(ModelBuilder.isSink)) {
    const cfg = c.body.config ?? {};
    const cls = String(cfg['connector.class'] ?? '');
    const name = String(c.body.name ?? cfg.name ?? c.name);
    const { kind, tech } = sinkKindOf(cls);
    const id = `sink:${name}`;
    b.addNode({ id, kind: 'sink', label: name, tech, paths: [c.path] });
    for (const t of list(cfg.topics)) b.addEdge(b.ensureTopic(t, c.path), id, 'consumes');
    if (cfg['topics.regex']) consumeByRegex(b, id, c.path, String(cfg['topics.regex']));
    let target: string | undefined;
    if (kind === 'warehouse') {
      const ds = cfg.defaultDataset ?? (typeof cfg.datasets === 'string' ? cfg.datasets.split('=').pop() : undefined);
      target = b.datasetFor(ds, c.path, cfg.project);
    } else {
      const where =
        cfg['connection.url'] ??
        cfg['connection.urls'] ??
        cfg['neo4j.uri'] ??
        (cfg['cps.topic'] ? `pubsub ${cfg['cps.project'] ?? ''}/${cfg['cps.topic']}` : undefined);
      if (typeof where === 'string' && where) {
        const clean = where
          .split(',')[0]
          .replace(/\/\/[^@/]*@/, '//')
          .replace(/\?.*$/, '');
        const label = clean.replace(/^jdbc:/, '').replace(/^[\w+]+:\/\//, '');
        target = `store:${clean}`;
        b.addNode({ id: target, kind: 'store', label, tech: STORE_TECH[kind], paths: [], declared: false });
        b.groupHint.set(target, b.topLevel(c.path) ?? '');
      }
    }
    if (target) b.addEdge(id, target, 'writes');
  }
}

function consumeByRegex(b: ModelBuilder, sinkId: string, path: string, regex: string): void {
  let re: RegExp | undefined;
  try {
    re = new RegExp(`^(?:${regex})$`);
  } catch {
    b.warnings.push(`${path}: topics.regex ${JSON.stringify(regex)} is not a valid regular expression`);
  }
  const hits = re ? b.topicNames().filter((n) => re!.test(n) && !b.isInternalTopic(n)) : [];
  if (re && hits.length === 0) b.warnings.push(`${path}: topics.regex ${JSON.stringify(regex)} matches no topic of this stack`);
  for (const n of hits) b.addEdge(topicId(n), sinkId, 'consumes');
  b.nodes.get(sinkId)!.details.push(`regex ${regex}`);
}
