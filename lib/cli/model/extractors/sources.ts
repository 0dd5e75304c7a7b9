import { ModelBuilder, sqlSourceId } from '../builder';

/** Cloud SQL instances managed by the stack: one source node each, and whether CDC can read them. */
export function extractCloudSqlSources(b: ModelBuilder): void {
  for (const inst of b.ofType('google_sql_database_instance')) {
    const body = inst.body;
    const version: string = body.database_version ?? '';
    const engine = /^POSTGRES/.test(version) ? 'PostgreSQL' : /^MYSQL/.test(version) ? 'MySQL' : /^SQLSERVER/.test(version) ? 'SQL Server' : version;
    const dbs = b
      .ofType('google_sql_database')
      .filter((d) => d.refs.has(`${inst.type}.${inst.name}`))
      .map((d) => d.body.name as string);
    const flags: { name: string; value: string }[] = [body.settings?.database_flags ?? []].flat();
    const flag = (n: string) => flags.find((f) => f.name === n)?.value;
    const ready =
      engine === 'MySQL'
        ? body.settings?.backup_configuration?.binary_log_enabled === true && (flag('binlog_row_image') ?? 'full') === 'full'
        : engine === 'PostgreSQL'
          ? flag('cloudsql.logical_decoding') === 'on'
          : false;
    if (ready) b.cdcReady.push(String(body.name ?? inst.name));
    b.addNode({
      id: sqlSourceId(`${inst.type}.${inst.name}`),
      kind: 'source',
      label: String(body.name ?? inst.name),
      tech: `Cloud SQL ${engine}`,
      details: [...(dbs.length ? [`db ${dbs.join(', ')}`] : []), ...(ready ? ['CDC-ready'] : [])],
      paths: [inst.path],
    });
  }
}
