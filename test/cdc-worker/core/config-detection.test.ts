/** The worker config's `detection` section: schema, cross-field checks, and the hash key from the environment only. */
import { mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { ConfigError, loadConfig } from '../../../lib/cdc-worker/config';

const minimal = {
  source: { host: 'db', database: 'inventory', user: 'cdc', tables: ['public.customers'] },
  kafka: { brokers: ['k:9092'] },
  output: { topicPrefix: 'shop' },
};
const policy = { infoTypes: { EMAIL_ADDRESS: { action: 'hash' }, CREDIT_CARD_NUMBER: { action: 'quarantine' } }, quarantineTopic: 'shop.quarantine' };

function file(obj: unknown): string {
  const f = join(mkdtempSync(join(tmpdir(), 'cdc-config-')), 'config.json');
  writeFileSync(f, JSON.stringify(obj));
  return f;
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

describe('cdc-worker config: detection', () => {
  test('absent: detection is off', () => {
    expect(loadConfig(file(minimal), {}).detection).toBeUndefined();
  });

  test('present: defaults applied, hash key from CDC_DETECTION__HASH_KEY', () => {
    const c = loadConfig(file({ ...minimal, detection: { policy } }), { CDC_DETECTION__HASH_KEY: 'k'.repeat(32) });
    expect(c.detection).toMatchObject({ enabled: true, backend: 'local', minLikelihood: 'POSSIBLE', hashKey: 'k'.repeat(32), policy });
  });

  test('a hash key in the file is refused; a hash policy without a key too', () => {
    expect(problemsOf(() => loadConfig(file({ ...minimal, detection: { policy, hashKey: 'k'.repeat(32) } }), {}))).toEqual([
      'detection.hashKey must not be in the config file: supply it from a secret through CDC_DETECTION__HASH_KEY',
    ]);
    expect(problemsOf(() => loadConfig(file({ ...minimal, detection: { policy } }), {})).join('\n')).toMatch(/detection\.policy\..*hash/i);
  });

  test('schema and cross-field problems are listed together', () => {
    const problems = problemsOf(() => loadConfig(file({ ...minimal, detection: { backend: 'cloud-dlp', policy: { default: { action: 'shred' } } } }), {}));
    expect(problems.join('\n')).toMatch(/detection\.policy\.default\.action must be one of/);
    const cross = problemsOf(() => loadConfig(file({ ...minimal, detection: { backend: 'cloud-dlp' } }), {}));
    expect(cross).toEqual(['detection.projectId: required for backend "cloud-dlp"']);
  });
});
