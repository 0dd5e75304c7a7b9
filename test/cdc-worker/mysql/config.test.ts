import { validateConfig } from '../../../lib/cdc-worker/config';

describe('config for the MySQL/MariaDB source', () => {
  const base = { kafka: { brokers: ['k:9092'] }, output: { topicPrefix: 'p' } };
  test('engine defaults to postgres (port 5432); mysql and mariadb default to port 3306 and a server id', () => {
    const pg = validateConfig({ ...base, source: { host: 'h', database: 'd', user: 'u', tables: ['public.t'] } });
    expect(pg.source).toMatchObject({ engine: 'postgres', port: 5432 });
    const my = validateConfig({ ...base, source: { engine: 'mariadb', host: 'h', database: 'd', user: 'u', tables: ['shop.t'] } });
    expect(my.source).toMatchObject({ engine: 'mariadb', port: 3306, serverId: 184054 });
    expect(
      validateConfig({ ...base, source: { engine: 'mysql', host: 'h', port: 13306, database: 'd', user: 'u', tables: ['shop.t'], serverId: 7 } }).source,
    ).toMatchObject({ port: 13306, serverId: 7 });
  });

  test('exactly-once delivery is refused for the binlog source at config time', () => {
    expect(() =>
      validateConfig({ ...base, source: { engine: 'mariadb', host: 'h', database: 'd', user: 'u', tables: ['s.t'] }, delivery: { mode: 'exactly-once' } }),
    ).toThrow(/delivery\.mode "exactly-once" is supported with source\.engine "postgres" only \(got source\.engine "mariadb"\); use "at-least-once"/);
  });

  test('a bad engine or server id is reported by field', () => {
    expect(() => validateConfig({ ...base, source: { engine: 'oracle', host: 'h', database: 'd', user: 'u', tables: ['s.t'], serverId: 0 } })).toThrow(
      /source\.engine must be one of "postgres", "mysql", "mariadb" \(got "oracle"\)[\s\S]*source\.serverId must be >= 1 \(got 0\)/,
    );
  });
});
