/**
 * The repository's checks can fail: the layering rule (dependency-cruiser) refuses an upward import
 * and a cycle, and ESLint refuses a rule violation. Each runs the real tool with the repository's own
 * configuration on a small tree made for the test.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '../..');
const bin = (name: string) => path.join(ROOT, 'node_modules', '.bin', name);

function tree(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdp-checks-'));
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
  fs.copyFileSync(path.join(ROOT, '.dependency-cruiser.cjs'), path.join(dir, '.dependency-cruiser.cjs'));
  fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'commonjs', strict: true } }));
  return dir;
}

describe('the layering check (npm run check:deps)', () => {
  test('refuses a building block importing a stage, and a cycle', () => {
    const dir = tree({
      'constructs/kafka/topic.ts': "import { stage } from '../stages/stage';\nexport const topic = () => stage;\n",
      'constructs/stages/stage.ts': 'export const stage = 1;\n',
      'constructs/stages/a.ts': "import { b } from './b';\nexport const a = () => b;\n",
      'constructs/stages/b.ts': "import { a } from './a';\nexport const b = () => a;\n",
    });
    try {
      const r = spawnSync(bin('depcruise'), ['--config', '.dependency-cruiser.cjs', 'constructs'], { cwd: dir, encoding: 'utf8' });
      expect(r.status).not.toBe(0);
      expect(r.stdout).toContain('error blocks-do-not-import-stages: constructs/kafka/topic.ts → constructs/stages/stage.ts');
      expect(r.stdout).toMatch(/error no-cycles: constructs\/stages\/(a|b)\.ts/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('passes the same tree without the upward import', () => {
    const dir = tree({
      'constructs/stages/stage.ts': "import { topic } from '../kafka/topic';\nexport const stage = topic;\n",
      'constructs/kafka/topic.ts': 'export const topic = 1;\n',
    });
    try {
      const r = spawnSync(bin('depcruise'), ['--config', '.dependency-cruiser.cjs', 'constructs'], { cwd: dir, encoding: 'utf8' });
      expect({ status: r.status, out: r.stdout }).toEqual({ status: 0, out: expect.stringContaining('no dependency violations found') });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

test('ESLint (npm run lint) refuses a violation of the repository rules', () => {
  const r = spawnSync(bin('eslint'), ['--stdin', '--stdin-filename', 'constructs/probe.ts', '--format', 'json'], {
    cwd: ROOT,
    input: 'export function same(a: number, b: number): boolean {\n  let unused = 1;\n  return a == b;\n}\n',
    encoding: 'utf8',
  });
  expect(r.status).toBe(1);
  const rules = JSON.parse(r.stdout)[0]
    .messages.map((m: { ruleId: string }) => m.ruleId)
    .sort();
  expect(rules).toEqual(['@typescript-eslint/no-unused-vars', 'eqeqeq', 'prefer-const']);
});
