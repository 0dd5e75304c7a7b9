/**
 * The worker's layout rules (lib/cdc-worker/ARCHITECTURE.md): which folder may import which. The
 * size limits (no source file over 500 lines, no function over 80) are checked repo-wide, on the
 * text as Prettier formats it, by test/ci/source-limits.test.ts.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'fs';
import { dirname, join, relative, resolve } from 'path';

const ROOT = resolve(__dirname, '../../lib/cdc-worker');

function sources(dir: string = ROOT): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return p.endsWith('.ts') ? [p] : [];
  });
}

/** The folder of lib/cdc-worker a file is in ('' for the entry files at its top). */
const folderOf = (file: string) => {
  const rel = relative(ROOT, file);
  return rel.includes('/') ? rel.split('/')[0] : '';
};

/** The worker folders each folder's files may import (besides their own folder). */
const MAY_IMPORT: Record<string, string[]> = {
  detect: [],
  core: ['detect'],
  kafka: ['core', 'detect'],
  postgres: ['core', 'kafka'],
  mysql: ['core', 'kafka'],
  '': ['core', 'kafka', 'postgres', 'mysql', 'detect'],
};

describe('lib/cdc-worker layout', () => {
  const files = sources();

  test('imports go one way: detect ← core ← kafka ← engines ← entry files; no engine imports another', () => {
    const violations: string[] = [];
    for (const file of files) {
      const from = folderOf(file);
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/from '(\.{1,2}\/[^']+)'/g)) {
        const target = resolve(dirname(file), m[1]);
        if (!target.startsWith(ROOT)) continue;
        // a folder's index (`../detect`) or a module (`../core/config`)
        const to = existsSync(target) && statSync(target).isDirectory() ? relative(ROOT, target).split('/')[0] : folderOf(`${target}.ts`);
        if (to !== from && !MAY_IMPORT[from].includes(to)) violations.push(`${relative(ROOT, file)} imports ${m[1]}`);
      }
    }
    expect(violations).toEqual([]);
  });
});
