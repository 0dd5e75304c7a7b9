/**
 * `npm run bench:dlp`: sensitive-data detection speed.
 *
 * - Local detectors: MB/s per core on a realistic mixed corpus (bench/dlp/corpus.ts), measured
 *   as corpus bytes (UTF-8 text of the cells) over the process's CPU time, so the figure is per
 *   core and does not depend on what else the machine runs. Target: ≥ 50 MB/s.
 * - Cloud DLP backend: requests per MB sent, through the real DlpServiceClient to a local
 *   DlpService (test/cdc-worker/detect/fake-dlp-server.ts). Target: ≤ ⌈bytes / 0.5 MB⌉ requests.
 *
 * Environment: BENCH_DLP_MB (local corpus size, default 32), BENCH_DLP_CLOUD_MB (default 8),
 * BENCH_DLP_RUNS (default 7). On a busy machine CPU time per byte grows too (shared caches and
 * cores), so compare the median with the best run.
 */
import { CloudDlpDetector, DetectionMetrics, LocalDetector, SensitiveDataScreen } from '../../lib/cdc-worker/detect';
import { FakeDlpServer } from '../../test/cdc-worker/detect/fake-dlp-server';
import { makeRows, makeTickets } from './corpus';

const MB = 1024 * 1024;
const HALF_MB = 524288;
const LOCAL_TARGET = 50;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function local(label: string, make: (bytes: number) => { rows: Record<string, unknown>[]; bytes: number }): Promise<void> {
  const size = Number(process.env.BENCH_DLP_MB ?? 32);
  const runs = Number(process.env.BENCH_DLP_RUNS ?? 7);
  const { rows, bytes } = make(size * MB);
  const detector = new LocalDetector();
  let findings = detector.inspectRowsSync('orders', rows); // warm-up
  const perCore: number[] = [];
  const wall: number[] = [];
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    findings = detector.inspectRowsSync('orders', rows);
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const c = process.cpuUsage(c0);
    perCore.push(bytes / MB / ((c.user + c.system) / 1e6));
    wall.push(bytes / MB / seconds);
  }
  const byType: Record<string, number> = {};
  for (const f of findings) byType[f.infoType.name] = (byType[f.infoType.name] ?? 0) + 1;
  const mid = median(perCore);
  const best = Math.max(...perCore);
  console.log(`Local detectors, ${label}: ${rows.length} rows, ${(bytes / MB).toFixed(1)} MiB of cell text, ${runs} runs:`);
  console.log(
    `  ${mid.toFixed(1)} MiB/s per core (CPU time, median; best ${best.toFixed(1)})   ${median(wall).toFixed(1)} MiB/s wall   target ≥ ${LOCAL_TARGET}: ${mid >= LOCAL_TARGET ? 'MET' : 'NOT MET'}`,
  );
  console.log(`  runs (per core): ${perCore.map((x) => x.toFixed(1)).join(', ')}`);
  console.log(
    `  findings: ${findings.length} (${Object.entries(byType)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')})`,
  );
}

/** Detection plus policy as the worker runs it: change events (after images) in batches of 2000. */
async function screen(): Promise<void> {
  const size = Number(process.env.BENCH_DLP_MB ?? 32);
  const { rows, bytes } = makeRows(size * MB);
  const changes = rows.map((after) => ({ before: null, after }));
  const s = new SensitiveDataScreen(
    new LocalDetector(),
    { infoTypes: { EMAIL_ADDRESS: { action: 'hash' }, PHONE_NUMBER: { action: 'mask' }, CREDIT_CARD_NUMBER: { action: 'quarantine' } }, quarantineTopic: 'q' },
    { hashKey: 'bench-key-0123456789', metrics: new DetectionMetrics() },
  );
  const run = async () => {
    for (let i = 0; i < changes.length; i += 2000) await s.screen('orders', changes.slice(i, i + 2000));
  };
  await run();
  const perCore: number[] = [];
  for (let i = 0; i < 5; i++) {
    const c0 = process.cpuUsage();
    await run();
    const c = process.cpuUsage(c0);
    perCore.push(bytes / MB / ((c.user + c.system) / 1e6));
  }
  console.log(`Detection + policy (SensitiveDataScreen, local; hash e-mails, mask phones, quarantine cards), orders:`);
  console.log(`  ${median(perCore).toFixed(1)} MiB/s per core (CPU time, median of 5; best ${Math.max(...perCore).toFixed(1)})`);
}

async function cloud(): Promise<void> {
  const size = Number(process.env.BENCH_DLP_CLOUD_MB ?? 8);
  const { rows, bytes } = makeRows(size * MB, 11);
  const server = new FakeDlpServer();
  await server.start();
  const metrics = new DetectionMetrics();
  const detector = new CloudDlpDetector({ projectId: 'bench', client: server.client(), onRequest: metrics.recordRequest });
  const t0 = process.hrtime.bigint();
  const findings = await detector.inspectRows('orders', rows);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  await detector.close();
  await server.stop();
  const sent = server.requests.reduce((n, r) => n + r.bytes, 0);
  const requests = server.requests.length;
  const target = Math.ceil(sent / HALF_MB);
  const largest = Math.max(...server.requests.map((r) => r.bytes));
  const values = Math.max(...server.requests.map((r) => r.values));
  console.log(`Cloud DLP backend (real client → local DlpService over gRPC), ${rows.length} rows, ${(bytes / MB).toFixed(1)} MiB of cell text:`);
  console.log(
    `  ${requests} requests for ${(sent / MB).toFixed(2)} MiB sent = ${(requests / (sent / MB)).toFixed(2)} requests/MiB; target ≤ ⌈bytes / 0.5 MB⌉ = ${target}: ${requests <= target ? 'MET' : 'NOT MET'}`,
  );
  console.log(
    `  largest request ${largest} bytes (limit ${HALF_MB}), most values ${values} (limit 50000), protobuf overhead ${(((sent - bytes) / bytes) * 100).toFixed(1)}% over cell text`,
  );
  console.log(`  ${findings.length} findings, ${metrics.dlpRetries} retries, ${seconds.toFixed(1)} s against the local server`);
}

async function main(): Promise<void> {
  console.log(`node ${process.version}, ${process.arch}; ${new Date().toISOString()}`);
  await local('orders (short cells, mixed types)', (b) => makeRows(b));
  await local('support tickets (1–4 KB of prose per row)', (b) => makeTickets(b));
  await screen();
  await cloud();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
