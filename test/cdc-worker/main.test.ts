/** The `cdc-worker` command (lib/cdc-worker/main.ts): exit codes and what it says. */
import { spawnSync } from 'child_process';
import { join } from 'path';

describe('cdc-worker entry point', () => {
  test('a bad config exits 2 and names the field', () => {
    const res = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', join(__dirname, '../../lib/cdc-worker/main.ts')], {
      env: { ...process.env, CDC_SOURCE__HOST: 'h', CDC_SOURCE__PORT: 'x', CDC_KAFKA__BROKERS: 'k:1' },
      encoding: 'utf8',
      timeout: 30000,
    });
    expect(res.status).toBe(2);
    const line = JSON.parse(res.stdout.trim().split('\n').pop()!);
    expect(line.level).toBe('fatal');
    expect(line.problems).toEqual(
      expect.arrayContaining(['source.port must be integer (got "x") [from CDC_SOURCE__PORT]', 'source.database is required', 'output is required']),
    );
  });
});
