/**
 * Size limits for every source file of the package (issue 18): no file over 500 lines and no
 * function over 80, measured on the text as Prettier formats it with the repository's own
 * configuration, so a file that is not formatted yet cannot pass by being written on long lines.
 * Covers index.ts, lib/ (but not the generated provider bindings in lib/providers), constructs/,
 * stacks/, bin/ and scripts/.
 */
import { execFileSync } from 'child_process';
import { readdirSync, statSync } from 'fs';
import { join, relative, resolve } from 'path';
import * as ts from 'typescript';

const ROOT = resolve(__dirname, '../..');
const ROOTS = ['index.ts', 'lib', 'constructs', 'stacks', 'bin', 'scripts'];
const EXCLUDED = [join(ROOT, 'lib', 'providers')];
const MAX_FILE_LINES = 500;
const MAX_FUNCTION_LINES = 80;

function sources(path: string): string[] {
  if (EXCLUDED.includes(path)) return [];
  if (!statSync(path).isDirectory()) return path.endsWith('.ts') && !path.endsWith('.d.ts') ? [path] : [];
  return readdirSync(path).flatMap((name) => sources(join(path, name)));
}

/**
 * Each file's text as Prettier formats it. Prettier 3 loads its parsers with a dynamic import, which
 * Jest's module sandbox refuses, so one plain Node process formats them all.
 */
function formatted(files: string[]): Record<string, string> {
  const script = `
    const prettier = require(require.resolve('prettier', { paths: [process.cwd()] }));
    const fs = require('fs');
    (async () => {
      const out = {};
      for (const file of JSON.parse(fs.readFileSync(0, 'utf8'))) {
        const options = await prettier.resolveConfig(file);
        out[file] = await prettier.format(fs.readFileSync(file, 'utf8'), { ...options, filepath: file });
      }
      process.stdout.write(JSON.stringify(out));
    })().catch((e) => { console.error(e); process.exit(1); });`;
  const out = execFileSync(process.execPath, ['-e', script], { cwd: ROOT, input: JSON.stringify(files), encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  return JSON.parse(out);
}

/** What in one file breaks a limit: the file's length, and each function (with a body) longer than allowed. */
function overLimits(name: string, text: string): string[] {
  const found: string[] = [];
  const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
  if (lines > MAX_FILE_LINES) found.push(`${name}: ${lines} lines`);
  const sf = ts.createSourceFile(name, text, ts.ScriptTarget.ES2022, true);
  const visit = (n: ts.Node): void => {
    if (ts.isFunctionLike(n) && (n as ts.FunctionLikeDeclaration).body) {
      const first = sf.getLineAndCharacterOfPosition(n.getStart()).line;
      const last = sf.getLineAndCharacterOfPosition(n.end).line;
      const what = ts.isConstructorDeclaration(n)
        ? 'constructor'
        : (((n as ts.FunctionLikeDeclaration).name ?? (ts.isVariableDeclaration(n.parent) ? n.parent.name : undefined))?.getText(sf) ?? 'a function');
      if (last - first + 1 > MAX_FUNCTION_LINES) found.push(`${name}:${first + 1}: ${what} of ${last - first + 1} lines`);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return found;
}

describe('source size limits (after Prettier)', () => {
  test('no source file over 500 lines, no function over 80', () => {
    const files = ROOTS.flatMap((r) => sources(join(ROOT, r)));
    expect(files.length).toBeGreaterThan(100);
    const texts = formatted(files);
    const tooLong = files.flatMap((file) => overLimits(relative(ROOT, file), texts[file]));
    expect(tooLong).toEqual([]);
  });

  test('the check finds a long file, a long constructor and a long arrow function; 80 lines pass', () => {
    const body = (n: number) => Array.from({ length: n }, (_, i) => `  x += ${i};`).join('\n');
    const text = [
      'export class A {',
      '  constructor() {',
      '    let x = 0;',
      body(80),
      '  }',
      '}',
      'export const f = () => {',
      '  let x = 0;',
      body(78),
      '};',
      'export function exactly80() {',
      '  let x = 0;',
      body(77),
      '}',
      'export function g() {',
      body(400),
      '}',
    ].join('\n');
    expect(overLimits('a.ts', text)).toEqual(['a.ts: 648 lines', 'a.ts:2: constructor of 83 lines', 'a.ts:86: f of 81 lines', 'a.ts:247: g of 402 lines']);
  });
});
