import * as fs from 'fs';
import * as path from 'path';
import { createHash } from 'crypto';

/** Terraform references with the resource name left out: `${google_service_account.<name>.email}` → `${google_service_account.*.email}`. */
function normalize(text: string): string {
  return text
    .replace(
      /\$\{(data\.)?([a-z_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_.-]+)\}/g,
      (_m, data, type, _name, attr) => `\${${data ?? ''}${type}.*.${attr.replace(/cross-stack-output-[A-Za-z0-9_-]+/, 'cross-stack-output-*')}}`,
    )
    .replace(/cross-stack-output-[A-Za-z0-9_.-]+/g, 'cross-stack-output-*');
}

/** What an outdir holds: per stack, per resource type, the sorted list of normalized resource bodies. */
export function contentOf(outdir: string): { counts: Record<string, number>; digest: string; byStack: Map<string, string[]> } {
  const counts: Record<string, number> = {};
  const byStack = new Map<string, string[]>();
  const root = path.join(outdir, 'stacks');
  for (const stack of fs.readdirSync(root).sort()) {
    const json = JSON.parse(fs.readFileSync(path.join(root, stack, 'cdk.tf.json'), 'utf8'));
    const lines: string[] = [];
    for (const [type, byName] of Object.entries<any>(json.resource ?? {})) {
      for (const body of Object.values<any>(byName)) {
        const { ['//']: _meta, provider: _provider, ...rest } = body;
        // depends_on names resources by address, which differs between the builds: keep only the types.
        if (Array.isArray(rest.depends_on)) rest.depends_on = rest.depends_on.map((d: string) => d.replace(/^(\$\{)?([a-z_-]+)\..*$/, '$2.*'));
        counts[type] = (counts[type] ?? 0) + 1;
        lines.push(`${type} ${normalize(JSON.stringify(sortKeys(rest)))}`);
      }
    }
    for (const kind of ['variable', 'output'])
      for (const body of Object.values<any>(json[kind] ?? {})) lines.push(`${kind} ${normalize(JSON.stringify(sortKeys(body)))}`);
    for (const [type, byName] of Object.entries<any>(json.data ?? {}))
      for (const body of Object.values<any>(byName)) lines.push(`data.${type} ${normalize(JSON.stringify(sortKeys(body)))}`);
    lines.sort();
    byStack.set(stack, lines);
  }
  const digest = createHash('sha256');
  for (const [stack, lines] of byStack) digest.update(`${stack}\n${lines.join('\n')}\n`);
  return { counts, digest: digest.digest('hex').slice(0, 16), byStack };
}

function sortKeys(v: any): any {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object')
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, sortKeys(v[k])]),
    );
  return v;
}

/** Lines one outdir has that the other lacks, per stack (at most `limit`). */
export function differences(a: ReturnType<typeof contentOf>, b: ReturnType<typeof contentOf>, limit = 20): string[] {
  const out: string[] = [];
  for (const stack of new Set([...a.byStack.keys(), ...b.byStack.keys()])) {
    const x = a.byStack.get(stack) ?? [];
    const y = b.byStack.get(stack) ?? [];
    const count = (l: string[]) => l.reduce((m, s) => m.set(s, (m.get(s) ?? 0) + 1), new Map<string, number>());
    const cx = count(x);
    const cy = count(y);
    for (const [line, k] of cx) if ((cy.get(line) ?? 0) < k) out.push(`${stack} - ${line}`);
    for (const [line, k] of cy) if ((cx.get(line) ?? 0) < k) out.push(`${stack} + ${line}`);
  }
  return out.slice(0, limit);
}

if (require.main === module) {
  const [a, b] = process.argv.slice(2);
  const x = contentOf(a);
  const y = contentOf(b);
  console.log(JSON.stringify(x.counts), x.digest);
  console.log(JSON.stringify(y.counts), y.digest);
  console.log(differences(x, y, 40).join('\n'));
}
