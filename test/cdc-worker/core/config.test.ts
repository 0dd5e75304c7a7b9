import { mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { CDC_WORKER_CONFIG_SCHEMA, ConfigError, loadConfig, validateConfig } from '../../../lib/cdc-worker/config';

const minimal = {
  source: { host: 'db', database: 'inventory', user: 'cdc', tables: ['public.orders'] },
  kafka: { brokers: ['k:9092'] },
  output: { topicPrefix: 'shop' },
};

function writeConfig(obj: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'cdc-config-'));
  const file = join(dir, 'config.json');
  writeFileSync(file, typeof obj === 'string' ? obj : JSON.stringify(obj));
  return file;
}

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('cdc-worker config', () => {
  test('applies documented defaults', () => {
    const c = loadConfig(writeConfig(minimal), {});
    expect(c.source).toMatchObject({ port: 5432, slotName: 'cdc_worker', publicationName: 'cdc_worker', snapshotMode: 'initial', ssl: false });
    expect(c.kafka).toMatchObject({ clientId: 'cdc-worker', batchSize: 2000, ssl: false, compression: 'gzip', outageTimeoutMs: 120000 });
    expect(c.kafka.sasl).toBeUndefined();
    expect(c.output).toMatchObject({
      schemasEnable: true,
      tombstonesOnDelete: true,
      includeTruncate: true,
      decimalHandlingMode: 'precise',
      unknownTypes: 'fail',
      heartbeatIntervalMs: 0,
      heartbeatTopicsPrefix: '__debezium-heartbeat',
      provideTransactionMetadata: false,
    });
    expect(c.delivery).toEqual({
      mode: 'at-least-once',
      offsetsTopic: 'shop.cdc-worker.offsets',
      transactionalId: 'cdc-worker-cdc_worker',
      maxBufferedEvents: 5000,
      statusIntervalMs: 1000,
    });
    expect(c.http).toEqual({ port: 8080, host: '0.0.0.0' });
    expect(c.log).toEqual({ level: 'info' });
  });

  test('environment overrides file values, with type coercion and nesting', () => {
    const file = writeConfig({ ...minimal, kafka: { brokers: ['k:9092'], sasl: { username: 'u', password: 'from-file' } } });
    const c = loadConfig(file, {
      CDC_SOURCE__PASSWORD: 's3cret',
      CDC_SOURCE__PORT: '15432',
      CDC_SOURCE__SLOT_NAME: 'other_slot',
      CDC_KAFKA__BROKERS: 'a:1, b:2',
      CDC_KAFKA__SASL__PASSWORD: 'kafka-secret',
      CDC_OUTPUT__SCHEMAS_ENABLE: 'false',
      PORT: '9090',
      UNRELATED: 'x',
    });
    expect(c.source.password).toBe('s3cret');
    expect(c.source.port).toBe(15432);
    expect(c.source.slotName).toBe('other_slot');
    expect(c.kafka.brokers).toEqual(['a:1', 'b:2']);
    expect(c.kafka.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'u', password: 'kafka-secret' });
    expect(c.output.schemasEnable).toBe(false);
    expect(c.http.port).toBe(9090);
  });

  test('works from the environment alone', () => {
    const c = loadConfig(undefined, {
      CDC_SOURCE__HOST: 'h',
      CDC_SOURCE__DATABASE: 'd',
      CDC_SOURCE__USER: 'u',
      CDC_SOURCE__TABLES: 'public.a,public.b',
      CDC_KAFKA__BROKERS: 'k:1',
      CDC_OUTPUT__TOPIC_PREFIX: 'p',
    });
    expect(c.source.tables).toEqual(['public.a', 'public.b']);
  });

  test('reports every bad field at once, naming each', () => {
    const problems = problemsOf(() =>
      validateConfig({
        source: { host: 'db', database: 'inventory', tables: ['orders'], port: 70000, snapshotMode: 'sometimes' },
        kafka: { brokers: ['nohost'], sasl: { username: 'u' } },
        output: { topicPrefix: 'bad prefix', colour: 'blue' },
      }),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        'source.user is required',
        expect.stringMatching(/^source\.port must be <= 65535 \(got 70000\)$/),
        'source.snapshotMode must be one of "initial", "never", "no_data", "initial_only", "when_needed" (got "sometimes")',
        expect.stringMatching(/^source\.tables\[0\] must match pattern .* \(got "orders"\)$/),
        expect.stringMatching(/^kafka\.brokers\[0\] must match pattern .* \(got "nohost"\)$/),
        'kafka.sasl.password is required',
        expect.stringMatching(/^output\.topicPrefix must match pattern .* \(got "bad prefix"\)$/),
        'output.colour is not a known field',
      ]),
    );
  });

  test('names the environment variable a bad value came from', () => {
    const problems = problemsOf(() => loadConfig(writeConfig(minimal), { CDC_SOURCE__PORT: 'abc' }));
    expect(problems).toEqual(['source.port must be integer (got "abc") [from CDC_SOURCE__PORT]']);
  });

  test('rejects unknown CDC_<SECTION>__<FIELD> variables, ignores other CDC_ names', () => {
    const problems = problemsOf(() => loadConfig(writeConfig(minimal), { CDC_SOURCE__PASWORD: 'typo', CDC_OTHER_TOOL: 'x' }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^CDC_SOURCE__PASWORD: no such configuration field/);
  });

  test('CDC_CONFIG_JSON holds the whole file when no file is given', () => {
    const c = loadConfig(undefined, { CDC_CONFIG_JSON: JSON.stringify(minimal), CDC_SOURCE__PASSWORD: 'p' });
    expect(c.source.host).toBe('db');
    expect(c.source.password).toBe('p');
    expect(problemsOf(() => loadConfig(undefined, { CDC_CONFIG_JSON: '{' }))[0]).toMatch(/^CDC_CONFIG_JSON is not valid JSON/);
  });

  test('missing sections and unreadable files', () => {
    expect(problemsOf(() => validateConfig({}))).toEqual(['source is required', 'kafka is required', 'output is required']);
    expect(problemsOf(() => loadConfig('/nonexistent/x.json', {}))[0]).toMatch(/config file \/nonexistent\/x.json cannot be read/);
    expect(problemsOf(() => loadConfig(writeConfig('{nope'), {}))[0]).toMatch(/is not valid JSON/);
  });

  test('cross-field rule: buffer must hold a batch', () => {
    const problems = problemsOf(() => validateConfig({ ...minimal, kafka: { brokers: ['k:1'], batchSize: 500 }, delivery: { maxBufferedEvents: 100 } }));
    expect(problems).toEqual(['delivery.maxBufferedEvents must be at least kafka.batchSize (500) (got 100)']);
  });

  test('kafka.outageTimeoutMs: from the file or CDC_KAFKA__OUTAGE_TIMEOUT_MS; below the Kafka request time-out or not an integer is an error naming the field', () => {
    expect(loadConfig(writeConfig({ ...minimal, kafka: { brokers: ['k:1'], outageTimeoutMs: 600000 } }), {}).kafka.outageTimeoutMs).toBe(600000);
    expect(loadConfig(writeConfig(minimal), { CDC_KAFKA__OUTAGE_TIMEOUT_MS: '30000' }).kafka.outageTimeoutMs).toBe(30000);
    expect(problemsOf(() => validateConfig({ ...minimal, kafka: { brokers: ['k:1'], outageTimeoutMs: 29999 } }))).toEqual([
      'kafka.outageTimeoutMs must be >= 30000 (got 29999)',
    ]);
    expect(problemsOf(() => validateConfig({ ...minimal, kafka: { brokers: ['k:1'], outageTimeoutMs: 0 } }))).toEqual([
      'kafka.outageTimeoutMs must be >= 30000 (got 0)',
    ]);
    expect(problemsOf(() => loadConfig(writeConfig(minimal), { CDC_KAFKA__OUTAGE_TIMEOUT_MS: '2m' }))).toEqual([
      'kafka.outageTimeoutMs must be integer (got "2m") [from CDC_KAFKA__OUTAGE_TIMEOUT_MS]',
    ]);
    expect(problemsOf(() => validateConfig({ ...minimal, kafka: { brokers: ['k:1'], outageTimeoutMs: 90000.5 } }))).toEqual([
      'kafka.outageTimeoutMs must be integer (got 90000.5)',
    ]);
  });

  test('the exported schema is usable JSON', () => {
    expect(JSON.parse(JSON.stringify(CDC_WORKER_CONFIG_SCHEMA)).required).toEqual(['source', 'kafka', 'output']);
    expect(CDC_WORKER_CONFIG_SCHEMA.properties.kafka.properties.outageTimeoutMs).toEqual({ type: 'integer', minimum: 30000, default: 120000 });
  });
});
