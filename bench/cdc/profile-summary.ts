/**
 * Summarises a V8 CPU profile of the worker (`node --cpu-prof`, see BENCHMARKS.md): time per
 * concern of a row's path (a Node built-in such as Buffer or zlib counts for its nearest caller that has one) (decode, value conversion, envelope, JSON, kafkajs encoding, CRC,
 * compression, partitioner, GC, idle: waiting on the database or on acks), over the busiest
 * stretch of the profile (the backlog catch-up), and the top functions.
 *
 * Usage: ts-node --transpile-only bench/cdc/profile-summary.ts <file.cpuprofile> [seconds]
 *        ts-node --transpile-only bench/cdc/profile-summary.ts <file.heapprofile> (retained bytes, `--heap-prof`)
 */
import { readFileSync } from 'fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
}

/** The concern of a function, by its file and name (first match wins). */
const CONCERNS: [string, RegExp][] = [
  ['idle (waiting: socket, acks, database)', /^\(idle\)/],
  ['garbage collection', /^\(garbage collector\)/],
  ['pgoutput decode', /postgres\/protocol|pgoutput|pg-protocol|replication/],
  ['binlog decode (zongji, mysql2)', /zongji|mysql2|mysql\/binlog\.|mysql\/connection/],
  ['value conversion', /type-mapping|literals|core\/values|mysql\/type-mapping/],
  ['envelope building', /envelope|postgres\/stream|binlog-events/],
  ['JSON (stringify, schema text)', /core\/json|JSON|stringify/],
  ['kafkajs CRC32C', /crc32/i],
  ['kafkajs compression (gzip)', /gzip|zlib|compression/i],
  ['partitioner (murmur2)', /partitioner|murmur/],
  ['kafkajs encoding (records, batches)', /kafkajs\/src\/protocol/],
  ['kafkajs client (producer, network)', /kafkajs/],
  ['sink queue', /kafka\/sink|lifecycle|core\/sink/],
  ['metrics, logging', /prom-client|pino|metrics/],
  ['Node internals, other', /./],
];

/** The concern of a sample: its own function's, or if that is Node's (Buffer, zlib, streams), the nearest caller's that has one. */
function attributedConcern(n: Node, parent: Map<number, Node>): string {
  for (let at: Node | undefined = n; at; at = parent.get(at.id)) {
    const c = concernOf(at);
    if (c !== 'Node internals, other') return c;
  }
  return 'Node internals, other';
}

function concernOf(n: Node): string {
  const key =
    `${n.callFrame.functionName === '(idle)' || n.callFrame.functionName.startsWith('(') ? n.callFrame.functionName : ''} ${n.callFrame.url} ${n.callFrame.functionName}`.trim();
  for (const [name, re] of CONCERNS) if (re.test(key)) return name;
  return 'Node internals, other';
}

interface HeapNode {
  callFrame: Node['callFrame'];
  selfSize: number;
  id: number;
  children: HeapNode[];
}

/**
 * A sampling heap profile (`--heap-prof`): bytes per concern (as above) and per function of the sampled objects still
 * alive when the profile is written (V8's sampling heap profiler leaves out collected ones): what is retained, not the
 * churn that keeps the collector busy.
 */
function heapSummary(file: string): void {
  const root = (JSON.parse(readFileSync(file, 'utf8')) as { head: HeapNode }).head;
  const byConcern = new Map<string, number>();
  const fns = new Map<string, number>();
  let total = 0;
  const walk = (n: HeapNode, stack: Node[]) => {
    const here = [{ id: n.id, callFrame: n.callFrame }, ...stack];
    if (n.selfSize) {
      const c = here.map(concernOf).find((x) => x !== 'Node internals, other') ?? 'Node internals, other';
      byConcern.set(c, (byConcern.get(c) ?? 0) + n.selfSize);
      const fn = `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/.*\/(node_modules\/)?/, '')}:${n.callFrame.lineNumber + 1}`;
      fns.set(fn, (fns.get(fn) ?? 0) + n.selfSize);
      total += n.selfSize;
    }
    for (const c of n.children) walk(c, here);
  };
  walk(root, []);
  const row = (k: string, v: number) => `| ${k} | ${(v / 1048576).toFixed(1)} | ${((100 * v) / total).toFixed(1)}% |`;
  console.log('| concern | MB retained (sampled) | share |\n| --- | --- | --- |');
  for (const [k, v] of [...byConcern].sort((a, b) => b[1] - a[1])) console.log(row(k, v));
  console.log('\n| function | MB retained (sampled) | share |\n| --- | --- | --- |');
  for (const [k, v] of [...fns].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(row(k, v));
}

function main(): void {
  const [file, secondsArg] = process.argv.slice(2);
  if (file.endsWith('.heapprofile')) return heapSummary(file);
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, Node>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n);
  // time of each sample
  const times: number[] = [];
  let t = p.startTime;
  for (const d of p.timeDeltas) times.push((t += d));
  // the busiest window of `seconds` (default 5): where the backlog is caught up
  const win = Number(secondsArg ?? 5) * 1e6;
  let best = 0;
  let bestStart = 0;
  let busy = 0;
  let j = 0;
  const idle = (i: number) => byId.get(p.samples[i])!.callFrame.functionName === '(idle)';
  for (let i = 0; i < times.length; i++) {
    if (!idle(i)) busy++;
    while (times[i] - times[j] > win) if (!idle(j++)) busy--;
    if (busy > best) [best, bestStart] = [busy, j];
  }
  const self = new Map<string, number>();
  const fns = new Map<string, number>();
  let total = 0;
  for (let i = bestStart; i < times.length && times[i] - times[bestStart] <= win; i++) {
    const dt = i + 1 < times.length ? times[i + 1] - times[i] : 0;
    const n = byId.get(p.samples[i])!;
    const c = attributedConcern(n, parent);
    self.set(c, (self.get(c) ?? 0) + dt);
    const fn = `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/.*\/(node_modules\/)?/, '')}:${n.callFrame.lineNumber + 1}`;
    fns.set(fn, (fns.get(fn) ?? 0) + dt);
    total += dt;
  }
  const row = (k: string, v: number) => `| ${k} | ${(v / 1000).toFixed(0)} | ${((100 * v) / total).toFixed(1)}% |`;
  console.log(`window: ${(total / 1e6).toFixed(2)} s of ${((times[times.length - 1] - p.startTime) / 1e6).toFixed(1)} s profiled\n`);
  console.log('| concern | self ms | share |\n| --- | --- | --- |');
  for (const [k, v] of [...self].sort((a, b) => b[1] - a[1])) console.log(row(k, v));
  console.log('\n| function | self ms | share |\n| --- | --- | --- |');
  for (const [k, v] of [...fns].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(row(k, v));
}

main();
