/**
 * Every TypeScript block of the READMEs compiles against the package's public entry point, so the
 * examples a user copies cannot drift from the library.
 *
 * A block is either a whole program (it imports what it uses) or a fragment that continues an
 * earlier example (it uses `stack`, `kafka`, ...). Fragments get two things prepended: an import
 * from `cdktf-data-pipelines` of every public name they use, and a `declare const` for each of the
 * context variables below that they use without defining. Anything else a block uses must exist:
 * a name the public entry point does not export is a compile error, as it would be for a user.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

const ROOT = path.resolve(__dirname, '../..');
const DOCS = ['README.md', 'lib/cdc-worker/README.md', 'lib/cdc-worker/MYSQL.md'];

/** Variables the README's fragments take from the example before them, with their types. */
const CONTEXT: Record<string, string> = {
  app: "import('cdktf').App",
  stack: "import('cdktf').TerraformStack",
  platformStack: "import('cdktf').TerraformStack",
  paymentsStack: "import('cdktf').TerraformStack",
  fraudStack: "import('cdktf').TerraformStack",
  kafka: 'KafkaCluster',
  connect: 'KafkaConnectCluster',
  classification: 'DataClassification',
  shop: 'ISourceDatabase',
  ledgerDb: 'ISourceDatabase',
  monolithDataset: 'WarehouseDataset',
  scratchDataset: 'WarehouseDataset',
};

interface Block {
  readonly file: string;
  readonly line: number;
  readonly code: string;
}

function blocksOf(file: string): Block[] {
  const full = path.join(ROOT, file);
  if (!fs.existsSync(full)) return [];
  const lines = fs.readFileSync(full, 'utf8').split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(ts|typescript)\s*$/.test(lines[i])) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !/^```\s*$/.test(lines[end])) end++;
    blocks.push({ file, line: start + 1, code: lines.slice(start, end).join('\n') });
    i = end;
  }
  return blocks;
}

const compilerOptions: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.CommonJS,
  moduleResolution: ts.ModuleResolutionKind.Node10,
  lib: ['lib.es2022.d.ts'],
  strict: true,
  esModuleInterop: true,
  resolveJsonModule: true,
  skipLibCheck: true,
  noEmit: true,
  types: ['node'],
  baseUrl: ROOT,
  paths: {
    'cdktf-data-pipelines': ['index.ts'],
    'cdktf-data-pipelines/worker': ['lib/cdc-worker/worker.ts'],
    'cdktf-data-pipelines/worker/config': ['lib/cdc-worker/config.ts'],
    'cdktf-data-pipelines/worker/detect': ['lib/cdc-worker/detect/index.ts'],
  },
};

/** The names `index.ts` exports, as a consumer of the package sees them. */
function publicNames(): Set<string> {
  const entry = path.join(ROOT, 'index.ts');
  const program = ts.createProgram([entry], compilerOptions);
  const checker = program.getTypeChecker();
  const symbol = checker.getSymbolAtLocation(program.getSourceFile(entry)!);
  return new Set(checker.getExportsOfModule(symbol!).map((s) => s.getName()));
}

/** The block as a module: public imports and context declarations for a fragment, then the code. */
function asModule(block: Block, exported: Set<string>): { text: string; prelude: number } {
  const declared = new Set<string>();
  for (const m of block.code.matchAll(/\b(?:const|let|var|function|class)\s+([A-Za-z_$][\w$]*)/g)) declared.add(m[1]);
  for (const m of block.code.matchAll(/import\s*\{([^}]*)\}/g))
    for (const n of m[1].split(','))
      declared.add(
        n
          .trim()
          .split(/\s+as\s+/)
          .pop()!,
      );
  const used = new Set<string>();
  for (const m of block.code
    .replace(/\/\/.*$/gm, '')
    .replace(/'[^'\n]*'/g, "''")
    .matchAll(/\b[A-Za-z_$][\w$]*\b/g))
    used.add(m[0]);
  const contextTypes = Object.entries(CONTEXT).filter(([n]) => used.has(n) && !declared.has(n));
  const wanted = new Set([...used].filter((n) => exported.has(n) && !declared.has(n)));
  for (const [, type] of contextTypes) if (exported.has(type)) wanted.add(type);
  const prelude: string[] = [];
  if (wanted.size) prelude.push(`import { ${[...wanted].sort().join(', ')} } from 'cdktf-data-pipelines';`);
  for (const [name, type] of contextTypes) prelude.push(`declare const ${name}: ${type};`);
  prelude.push('export {};');
  return { text: `${prelude.join('\n')}\n${block.code}\n`, prelude: prelude.length };
}

describe('TypeScript examples in the READMEs', () => {
  const blocks = DOCS.flatMap(blocksOf);
  const exported = publicNames();

  test('the README has examples to check', () => {
    expect(blocks.filter((b) => b.file === 'README.md').length).toBeGreaterThanOrEqual(3);
  });

  test('every block compiles against the public entry point', () => {
    const virtual = new Map<string, { text: string; block: Block; prelude: number }>();
    blocks.forEach((block, i) => {
      const { text, prelude } = asModule(block, exported);
      virtual.set(path.join(ROOT, `__readme_example_${i}.ts`), { text, block, prelude });
    });
    const host = ts.createCompilerHost(compilerOptions);
    const readFile = host.readFile.bind(host);
    const fileExists = host.fileExists.bind(host);
    const getSourceFile = host.getSourceFile.bind(host);
    host.readFile = (f) => virtual.get(path.resolve(f))?.text ?? readFile(f);
    host.fileExists = (f) => virtual.has(path.resolve(f)) || fileExists(f);
    host.getSourceFile = (f, lang, onError, create) => {
      const v = virtual.get(path.resolve(f));
      return v ? ts.createSourceFile(f, v.text, lang, true) : getSourceFile(f, lang, onError, create);
    };
    const program = ts.createProgram([...virtual.keys()], compilerOptions, host);
    const problems: string[] = [];
    for (const [file, { block, prelude }] of virtual) {
      for (const d of ts.getPreEmitDiagnostics(program, program.getSourceFile(file))) {
        const { line } = d.file!.getLineAndCharacterOfPosition(d.start ?? 0);
        const where = line < prelude ? `${block.file}:${block.line} (the names it needs)` : `${block.file}:${block.line + line - prelude}`;
        problems.push(`${where}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
      }
    }
    expect(problems).toEqual([]);
  });

  test('a block using a name the package does not export fails', () => {
    const { text } = asModule({ file: 'x', line: 1, code: 'new NotALibraryConstruct(stack, "x", {});' }, exported);
    const file = path.join(ROOT, '__readme_negative.ts');
    const host = ts.createCompilerHost(compilerOptions);
    const getSourceFile = host.getSourceFile.bind(host);
    host.getSourceFile = (f, lang, onError, create) =>
      path.resolve(f) === file ? ts.createSourceFile(f, text, lang, true) : getSourceFile(f, lang, onError, create);
    const program = ts.createProgram([file], { ...compilerOptions, noResolve: false }, host);
    const messages = ts.getPreEmitDiagnostics(program, program.getSourceFile(file)).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(messages).toEqual([expect.stringContaining("Cannot find name 'NotALibraryConstruct'")]);
  });
});
