import { list, ModelBuilder } from '../builder';

/** Debezium connector classes: the technology shown, and whether it reads a relational database. */
export const CAPTURE_TECH: [RegExp, string, boolean][] = [
  [/\.mysql\./, 'Debezium MySQL', true],
  [/\.mariadb\./, 'Debezium MariaDB', true],
  [/\.postgresql\./, 'Debezium PostgreSQL', true],
  [/\.sqlserver\./, 'Debezium SQL Server', true],
  [/\.oracle\./, 'Debezium Oracle', true],
  [/\.db2\./, 'Debezium Db2', true],
  [/\.mongodb\./, 'Debezium MongoDB', false],
  [/\.spanner\./, 'Debezium Spanner', false],
  [/\.vitess\./, 'Debezium Vitess', true],
];

/** Source connectors on Kafka Connect: the database each reads, and the topics it produces. */
export function extractConnectorCaptures(b: ModelBuilder): void {
  for (const c of b.connectors.filter((x) => !ModelBuilder.isSink(x))) {
    const cfg = c.body.config ?? {};
    const cls = String(cfg['connector.class'] ?? '');
    const name = String(c.body.name ?? cfg.name ?? c.name);
    const tech = CAPTURE_TECH.find(([re]) => re.test(cls))?.[1] ?? cls.split('.').pop() ?? cls;
    const prefix: string | undefined = cfg['topic.prefix'] ?? cfg['database.server.name'];
    let tables = list(cfg['table.include.list'] ?? cfg['collection.include.list']);
    let sourceId: string;
    if (/\.mongodb\./.test(cls)) {
      const conn = String(cfg['mongodb.connection.string'] ?? cfg['mongodb.hosts'] ?? '');
      const host = conn
        .replace(/^mongodb(\+srv)?:\/\//, '')
        .replace(/^[^@]*@/, '')
        .split(/[/?]/)[0]
        .split(',')[0];
      sourceId = b.sourceFor(host || undefined, 'MongoDB', cfg['database.include.list'] ?? tables[0]?.split('.')[0], c.path);
    } else if (/\.spanner\./.test(cls)) {
      sourceId = b.sourceFor(`spanner ${cfg['gcp.spanner.instance.id'] ?? '?'}`, 'Spanner', cfg['gcp.spanner.database.id'], c.path);
      tables = list(cfg['table.include.list']);
    } else {
      const engine = tech.replace(/^Debezium /, '');
      sourceId = b.sourceFor(cfg['database.hostname'], engine, cfg['database.dbname'] ?? cfg['database.names'] ?? cfg['database.include.list'], c.path);
    }
    const id = `capture:${name}`;
    b.addNode({ id, kind: 'capture', label: name, tech, paths: [c.path], details: prefix ? [`prefix ${prefix}`] : [] });
    b.addEdge(sourceId, id, 'captures');
    const internal = Object.entries<any>(cfg)
      .filter(([k, v]) => typeof v === 'string' && /\.topic$/.test(k) && !/^topics?$/.test(k))
      .map(([, v]) => String(v));
    b.wireCapture(id, prefix, tables, c.path, internal);
  }
}

/**
 * Debezium agents that run outside Connect (Cassandra), described by an output holding their
 * properties. Their hosts are the contact points of the driver config (`application.conf`) output
 * beside it; files from before Debezium 3 name them in `cassandra.hosts`.
 */
export function extractCassandraAgents(b: ModelBuilder): void {
  const outputs = Object.entries(b.json.output ?? {});
  for (const [outName, out] of outputs) {
    if (typeof out?.value !== 'string' || !/^cassandra\.(hosts|config)=/m.test(out.value)) continue;
    const props = Object.fromEntries(
      out.value
        .split('\n')
        .filter((l) => /^[\w.]+=/.test(l))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    const name = props['connector.name'] ?? (props['topic.prefix'] ? `${props['topic.prefix']}-cassandra-agent` : outName);
    const id = `capture:${name}`;
    const scope = outName.slice(0, outName.lastIndexOf('_') + 1);
    const driverConfig = outputs.find(
      ([n, o]) => n !== outName && n.startsWith(scope) && typeof o?.value === 'string' && o.value.includes('basic.contact-points'),
    )?.[1]?.value as string | undefined;
    const contactPoints = /basic\.contact-points\s*=\s*\[([^\]]*)\]/.exec(driverConfig ?? '')?.[1];
    const hosts = props['cassandra.hosts']
      ? list(props['cassandra.hosts'])
      : (contactPoints ?? '')
          .split(',')
          .map((h) => h.trim().replace(/^"|"$/g, '').replace(/:\d+$/, ''))
          .filter((h) => h);
    const path = `${b.stack}/${outName}`;
    b.addNode({
      id,
      kind: 'capture',
      label: name,
      tech: 'Debezium Cassandra agent',
      details: props['topic.prefix'] ? [`prefix ${props['topic.prefix']}`] : [],
      paths: [],
    });
    b.groupHint.set(id, outName.split('_')[0]);
    const sourceId = b.sourceFor(hosts[0], 'Cassandra', props['topic.prefix'], path);
    b.addEdge(sourceId, id, 'captures');
    b.wireCapture(id, props['topic.prefix'], [], path);
  }
}

/** The CDC worker on Cloud Run, read from the configuration it is given. */
export function extractCdcWorkers(b: ModelBuilder): void {
  for (const svc of b.ofType('google_cloud_run_v2_service')) {
    const containers: any[] = [svc.body.template?.containers ?? []].flat();
    const env = containers.flatMap((ct) => [ct.env ?? []].flat());
    const raw = env.find((e) => e?.name === 'CDC_CONFIG_JSON')?.value;
    if (typeof raw !== 'string') continue;
    let cfg: any;
    try {
      cfg = JSON.parse(raw);
    } catch {
      b.warnings.push(`${svc.path}: CDC_CONFIG_JSON is not JSON; the worker is drawn without its tables`);
      cfg = {};
    }
    const id = `capture:${svc.body.name ?? svc.name}`;
    const prefix: string | undefined = cfg.output?.topicPrefix;
    b.addNode({
      id,
      kind: 'capture',
      label: String(svc.body.name ?? svc.name),
      tech: 'CDC worker (Cloud Run)',
      details: prefix ? [`prefix ${prefix}`] : [],
      paths: [svc.path],
    });
    const engine = cfg.source?.kind === 'mysql' || cfg.source?.engine === 'mysql' ? 'MySQL' : 'PostgreSQL';
    b.addEdge(b.sourceFor(cfg.source?.host, engine, cfg.source?.database, svc.path), id, 'captures');
    b.wireCapture(id, prefix, [cfg.source?.tables ?? []].flat().map(String), svc.path, [], svc.path.slice(0, svc.path.lastIndexOf('/')));
  }
}

/** Whether a topic ACL applies to a topic. */
export function aclMatches(a: any, topic: string): boolean {
  return (
    a.resource_type === 'Topic' &&
    (a.resource_pattern_type_filter === 'Prefixed' ? topic.startsWith(a.resource_name) : a.resource_name === '*' || a.resource_name === topic)
  );
}

/** Producers that are none of the above: principals with Write ACLs on topics nothing else produces. */
export function extractOtherProducers(b: ModelBuilder): void {
  const acls = b.ofType('kafka_acl');
  const have = new Set([...b.edges.values()].filter((e) => e.kind === 'produces').map((e) => e.to));
  for (const t of [...b.nodes.values()].filter((n) => n.kind === 'topic' && !n.internal && !have.has(n.id))) {
    const writers = acls.filter((a) => a.body.acl_permission_type === 'Allow' && a.body.acl_operation === 'Write' && aclMatches(a.body, t.label));
    for (const w of writers) {
      const principal = String(w.body.acl_principal);
      const id = `capture:producer:${principal}`;
      b.addNode({ id, kind: 'capture', label: principal, tech: 'Kafka producer', paths: [w.path] });
      b.addEdge(id, t.id, 'produces');
    }
  }
}
