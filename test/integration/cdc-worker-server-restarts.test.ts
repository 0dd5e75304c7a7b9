/**
 * No lost change across server restarts (issue 7): the fault workload of cdc-worker-faults.test.ts
 * (random transactions of inserts, updates and deletes) runs while (a) the Kafka broker is stopped,
 * kept down some seconds and started again on its data, or (b) PostgreSQL is shut down (once
 * `fast`, once `immediate`), kept down and started again. Both in at-least-once mode (every
 * version of every row and every delete arrives, first occurrences in order per key, the last
 * event per key matches the table) and exactly-once mode (read_committed: no duplicate at all).
 *
 * The worker runs under a supervisor that starts it again whenever it exits, as Cloud Run restarts
 * a container; the test asserts what the worker did at each fault:
 * - Kafka restart: it rides through — the sink sends the failed batch again until the broker is
 *   back (up to 2 minutes; beyond that it would exit 1), the worker does not exit, and it logs
 *   `Kafka unavailable; sending the batch again` and `Kafka available again; batch delivered`.
 * - PostgreSQL restart: it exits with code 1 and the log line `fatal error; stopping without
 *   acknowledging undelivered changes` naming kind `postgres` and the server's message; while the
 *   server is down each restart fails the same way with kind `startup`; once it is back the worker
 *   resumes from the slot (and, exactly-once, from the position stored in Kafka).
 *
 * The shared servers of `npm run infra:up` are not touched: the test starts its own Kafka broker
 * and PostgreSQL with the same scripts (test/infra/kafka.sh, postgres.sh) in a run directory of
 * its own, on other ports, and removes them in afterAll. The worker logs in to Kafka as a SCRAM
 * user of its own with prefixed ACLs (not the super user), so a restart must keep that user too.
 *
 * Environment: CDCW_RESTART_CHANGES (changes per scenario, default 100000: the four scenarios take
 * ~2.5 min on 2 cores, servers included), CDCW_RESTART_KAFKA_PORT
 * (29092), CDCW_RESTART_KAFKA_CONTROLLER_PORT (29093), CDCW_RESTART_PG_PORT (25432),
 * CDCW_RESTART_KAFKA_DOWN_S (8), CDCW_RESTART_PG_DOWN_S (4), CDCW_RESTART_RUN (run directory;
 * default a new one under the temp dir, deleted afterwards unless a test failed).
 */
import { spawn, spawnSync } from 'child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { requireInfra } from './infra';
import { Infra, REPO, cleanup, scratchName, workerConfig, writeConfigFile } from '../cdc-worker/harness';
import { ChangeWorkload, DeliveryMode, ReconnectingPg, WorkerExit, WorkerSupervisor, sleep, verifyDelivery, workloadDdl } from '../cdc-worker/fault-workload';

jest.setTimeout(600000);

const TOTAL_CHANGES = Number(process.env.CDCW_RESTART_CHANGES ?? 100000);
const KAFKA_PORT = Number(process.env.CDCW_RESTART_KAFKA_PORT ?? 29092);
const KAFKA_CONTROLLER_PORT = Number(process.env.CDCW_RESTART_KAFKA_CONTROLLER_PORT ?? 29093);
const PG_PORT = Number(process.env.CDCW_RESTART_PG_PORT ?? 25432);
const KAFKA_DOWN_S = Number(process.env.CDCW_RESTART_KAFKA_DOWN_S ?? 8);
const PG_DOWN_S = Number(process.env.CDCW_RESTART_PG_DOWN_S ?? 4);
/** The worker's own Kafka user; its ACLs cover topics `cdcw_*` and ids/groups `cdc-worker-*`. */
const WORKER_USER = 'cdcw';
const WORKER_PASSWORD = 'cdcw-secret';

/** A Kafka broker and a PostgreSQL of this test's own, run by the project's infra scripts. */
class PrivateServers {
  readonly run: string;
  private readonly ownRun: boolean;
  env!: Infra;

  constructor() {
    this.ownRun = !process.env.CDCW_RESTART_RUN;
    this.run = process.env.CDCW_RESTART_RUN ?? mkdtempSync(join(tmpdir(), 'cdcw-restarts-'));
  }

  private scriptEnv(): NodeJS.ProcessEnv {
    // CDP_CACHE stays as it is (the cached Kafka jars); everything else is this test's own
    return {
      ...process.env,
      CDP_RUN: this.run,
      CDP_KAFKA_PORT: String(KAFKA_PORT),
      CDP_KAFKA_CONTROLLER_PORT: String(KAFKA_CONTROLLER_PORT),
      CDP_PG_PORT: String(PG_PORT),
    };
  }

  /** `bash test/infra/<part>.sh args...`, asynchronously (the workload goes on meanwhile). */
  script(part: 'kafka' | 'postgres', ...args: string[]): Promise<{ out: string; ms: number }> {
    const t0 = Date.now();
    return new Promise((resolve, reject) => {
      const p = spawn('bash', [join(REPO, 'test/infra', `${part}.sh`), ...args], { env: this.scriptEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      p.stdout.on('data', (d) => (out += d));
      p.stderr.on('data', (d) => (out += d));
      p.on('error', (e) => reject(new Error(`could not run test/infra/${part}.sh ${args.join(' ')}: ${e.message}`)));
      p.on('close', (code) => {
        if (code === 0) resolve({ out, ms: Date.now() - t0 });
        else
          reject(
            new Error(`test/infra/${part}.sh ${args.join(' ')} failed (exit ${code}; logs in ${this.run}/logs):\n${out.split('\n').slice(-25).join('\n')}`),
          );
      });
    });
  }

  /** What the scripts need, checked first so that a missing tool fails with its name, not later. */
  static checkTools(): void {
    const problems: string[] = [];
    if (spawnSync('java', ['-version']).status !== 0) problems.push('java (17+) is not on PATH (Debian: apt-get install -y openjdk-17-jre-headless)');
    const pgBins = existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql').filter((v) => existsSync(`/usr/lib/postgresql/${v}/bin/pg_ctl`)) : [];
    if (!pgBins.length)
      problems.push('no PostgreSQL server binaries under /usr/lib/postgresql/*/bin (Debian: apt-get install -y postgresql; npm run infra:up installs them)');
    if (spawnSync('runuser', ['--help']).status !== 0)
      problems.push('runuser (util-linux) is missing; test/infra/postgres.sh runs the server as user postgres with it');
    if (process.getuid?.() !== 0) problems.push('test/infra/postgres.sh must run as root (it starts the server as user postgres)');
    if (problems.length) throw new Error(`cdc-worker server-restart test cannot run:\n  - ${problems.join('\n  - ')}`);
  }

  /** Fails (naming the variable to change) when a port is taken: never a shared server's. */
  static checkPortsFree(): void {
    for (const [port, variable] of [
      [KAFKA_PORT, 'CDCW_RESTART_KAFKA_PORT'],
      [KAFKA_CONTROLLER_PORT, 'CDCW_RESTART_KAFKA_CONTROLLER_PORT'],
      [PG_PORT, 'CDCW_RESTART_PG_PORT'],
    ] as const) {
      const r = spawnSync('bash', ['-c', `(exec 3<>/dev/tcp/127.0.0.1/${port}) 2>/dev/null`]);
      if (r.status === 0) throw new Error(`port ${port} is in use (a leftover of an earlier run, or another server); free it or set ${variable}`);
    }
  }

  async up(): Promise<void> {
    PrivateServers.checkTools();
    PrivateServers.checkPortsFree();
    await this.script('kafka', 'up');
    await this.script('postgres', 'up');
    await this.script('kafka', 'add-user', WORKER_USER, WORKER_PASSWORD);
    await this.script(
      'kafka',
      'acls',
      '--add',
      '--allow-principal',
      `User:${WORKER_USER}`,
      '--operation',
      'All',
      '--topic',
      'cdcw_',
      '--group',
      'cdc-worker-',
      '--transactional-id',
      'cdc-worker-',
      '--resource-pattern-type',
      'prefixed',
    );
    await this.script('kafka', 'acls', '--add', '--allow-principal', `User:${WORKER_USER}`, '--operation', 'IdempotentWrite', '--cluster');
    this.env = requireInfra(
      ['PG_HOST', 'PG_PORT', 'PG_USER', 'PG_PASSWORD', 'PG_DATABASE', 'KAFKA_BOOTSTRAP', 'KAFKA_ADMIN_USER', 'KAFKA_ADMIN_PASSWORD'] as const,
      { ...process.env, CDP_RUN: this.run },
    );
    expect(this.env.KAFKA_BOOTSTRAP).toBe(`127.0.0.1:${KAFKA_PORT}`);
    expect(this.env.PG_PORT).toBe(String(PG_PORT));
  }

  /** Stops both servers and deletes their data (each step tried even if another fails). */
  async down(keepLogs: boolean): Promise<void> {
    const errors: string[] = [];
    for (const part of ['kafka', 'postgres'] as const) {
      await this.script(part, 'clean').catch((e: Error) => errors.push(e.message));
    }
    if (this.ownRun && !keepLogs) rmSync(this.run, { recursive: true, force: true });
    if (keepLogs) console.log(`server-restart test: logs kept in ${this.run}/logs`);
    if (errors.length) throw new Error(`stopping the private servers failed:\n${errors.join('\n')}`);
  }
}

type Fault = 'kafka' | 'postgres';

/** One outage of a server: from the stop command to the server accepting connections again. */
interface Outage {
  what: string;
  startedAtMs: number;
  endedAtMs: number;
  /** changes written when it began */
  atChanges: number;
}

/** The worker's log lines about faults, shortened: what it said at each outage. */
const FAULT_LOG = /"msg":"(fatal error|Kafka unavailable|Kafka available again|reusing replication slot|exactly-once: resuming)/;

const SCENARIOS: [Fault, DeliveryMode][] = [
  ['kafka', 'at-least-once'],
  ['kafka', 'exactly-once'],
  ['postgres', 'at-least-once'],
  ['postgres', 'exactly-once'],
];
const servers = new PrivateServers();
let passed = 0;
const summary: string[] = [];

beforeAll(async () => {
  await servers.up();
}, 300000);

afterAll(async () => {
  // the servers' logs are kept when a scenario failed (or was filtered out with -t)
  await servers.down(passed < SCENARIOS.length);
  if (summary.length) console.log(summary.join('\n'));
}, 180000);

describe.each(SCENARIOS)('cdc-worker across a %s restart, %s', (fault, mode) => {
  test(`${TOTAL_CHANGES} changes, ${fault === 'kafka' ? `broker down ${KAFKA_DOWN_S}s` : `PostgreSQL down ${PG_DOWN_S}s twice (fast, immediate)`}: every change arrives${mode === 'exactly-once' ? ', exactly once' : ''}`, async () => {
    const t0 = Date.now();
    const env = servers.env;
    // cdcw_ prefix: the worker user's topic ACL
    const name = scratchName(`cdcw_${fault === 'kafka' ? 'kr' : 'pr'}_${mode === 'exactly-once' ? 'eos' : 'alo'}`);
    const s = name;
    const pg = new ReconnectingPg(env);
    let sup: WorkerSupervisor | null = null;
    try {
      await (await pg.client()).query(workloadDdl(s));
      const cfgFile = writeConfigFile(
        workerConfig(env, name, [`${s}.items`, `${s}.events`], {
          output: { topicPrefix: name, schemasEnable: false },
          delivery: { mode },
          kafka: { brokers: [env.KAFKA_BOOTSTRAP], sasl: { username: WORKER_USER, password: WORKER_PASSWORD } },
        }),
      );
      sup = new WorkerSupervisor(cfgFile, env);
      await sup.waitStreaming();

      // The faults, at random points of the workload; the workload goes on while a server is down.
      const restartKafka = async () => {
        await servers.script('kafka', 'stop');
        await sleep(KAFKA_DOWN_S * 1000);
        await servers.script('kafka', 'start'); // on its data; fails rather than wiping it
      };
      const restartPostgres = async (how: 'fast' | 'immediate') => {
        await servers.script('postgres', 'stop', how);
        await sleep(PG_DOWN_S * 1000);
        await servers.script('postgres', 'start');
      };
      const w = new ChangeWorkload(s);
      const plan: { at: number; what: string; run: () => Promise<void> }[] =
        fault === 'kafka'
          ? [{ at: frac(0.2, 0.5), what: 'Kafka broker stop/start', run: () => restartKafka() }]
          : [
              { at: frac(0.15, 0.35), what: 'PostgreSQL fast shutdown/start', run: () => restartPostgres('fast') },
              { at: frac(0.55, 0.75), what: 'PostgreSQL immediate shutdown/start', run: () => restartPostgres('immediate') },
            ];
      const outages: Outage[] = [];
      let faultRunning = false;
      let faultFailure: Error | null = null;
      // Until TOTAL_CHANGES and every fault is over: each outage, the server's start included, is
      // under load. A fault fires at its point only while the worker streams (not while it is
      // still restarting after the previous one), so that every fault hits a streaming worker.
      while (w.changes < TOTAL_CHANGES || plan.length || faultRunning) {
        // at full speed (~5,000+ changes/s here) an outage would pile up far more changes than
        // the test asks for: during a fault, or past a fault's point, pace it (50 transactions/s)
        if (faultRunning || (plan.length && w.changes >= plan[0].at)) await sleep(20);
        await w.stepThroughOutage(pg);
        if (faultFailure) throw faultFailure; // a script failed (e.g. the broker did not come back)
        if (!faultRunning && plan.length && w.changes >= plan[0].at && sup.streaming) {
          const f = plan.shift()!;
          const o: Outage = { what: f.what, startedAtMs: Date.now(), endedAtMs: 0, atChanges: w.changes };
          outages.push(o);
          faultRunning = true;
          // not awaited: the workload goes on meanwhile
          void f
            .run()
            .then(
              () => void (o.endedAtMs = Date.now()),
              (e: Error) => void (faultFailure = e),
            )
            .finally(() => (faultRunning = false));
        }
      }
      const workloadMs = Date.now() - t0;
      expect(outages.map((o) => o.what)).toHaveLength(fault === 'kafka' ? 1 : 2);
      await sup.waitStreaming(180000);

      // the timeline, printed before the checks so that a failure can be read against it
      const rel = (ms: number) => `${((ms - t0) / 1000).toFixed(1)}s`;
      console.log(
        `${fault} ${mode} timeline: ` +
          [
            ...outages.map((o) => `${o.what} ${rel(o.startedAtMs)}..${rel(o.endedAtMs)} (at ${o.atChanges} changes)`),
            ...sup.exits.map((e) => `exit ${rel(e.atMs)} ${describeExits([e])[0]}${e.streamed ? '' : ' (while starting)'}`),
            `workload done ${rel(t0 + workloadMs)}`,
          ].join('; ') +
          '\n  worker: ' +
          sup
            .allLogs()
            .filter((l) => FAULT_LOG.test(l))
            .map((l) => {
              const { level: _l, severity: _s, service: _v, time, ...rest } = JSON.parse(l);
              return `${rel(Date.parse(time))} ${JSON.stringify(rest)}`;
            })
            .join('\n  worker: '),
      );
      let kafkaRideThrough = '';
      const figures = await verifyDelivery(env, `${name}.${s}.items`, w, await pg.client(), mode, () => sup!.allLogs());
      const logs = sup.allLogs();

      // What the worker did at the faults.
      if (fault === 'kafka') {
        // ride-through: no exit at all; the log shows the batch retried and delivered after the outage
        expect(describeExits(sup.exits)).toEqual([]);
        const retries = logs.filter((l) => l.includes('"msg":"Kafka unavailable; sending the batch again"'));
        const recovered = logs.filter((l) => l.includes('"msg":"Kafka available again; batch delivered"')).map((l) => JSON.parse(l).outageMs as number);
        expect(retries.length).toBeGreaterThan(0);
        expect(recovered.length).toBeGreaterThan(0);
        kafkaRideThrough = `${retries.length} retry lines, delivered again after ${recovered.map((ms) => `${(ms / 1000).toFixed(1)} s`).join(', ')}`;
      } else {
        // exit + restart: one exit while streaming per shutdown, reason `postgres`; restarts while
        // the server is down fail at start-up; every exit is code 1 with the fatal log line
        const unclean = sup.exits.filter((e) => !(e.code === 1 && e.signal === null && e.fatal?.kind === (e.streamed ? 'postgres' : 'startup')));
        expect(
          unclean.map((e) => `${describeExits([e])[0]}, ${e.streamed ? 'while streaming' : 'while starting'}; last log lines:\n${e.tail.join('\n')}`),
        ).toEqual([]);
        const whileStreaming = sup.exits.filter((e) => e.streamed);
        expect(whileStreaming).toHaveLength(2);
        for (const e of whileStreaming) expect(e.fatal!.err).toMatch(/terminat|Connection terminated|ECONNRESET|shut ?down/i);
        // each exit falls into an outage (with a little slack for the worker noticing)
        for (const e of sup.exits) {
          expect(outages.some((o) => e.atMs >= o.startedAtMs && e.atMs <= o.endedAtMs + 15000)).toBe(true);
        }
      }
      expect(sup.streamingStarts).toBe(1 + sup.exits.filter((e) => e.streamed).length);
      const exits = sup.exits;
      expect(await sup.stop()).toBe(0);
      sup = null;

      const line =
        (kafkaRideThrough ? `[${kafkaRideThrough}] ` : '') +
        `${fault} restart, ${mode}: ${w.changes} changes in ${w.transactions} transactions (${w.notCommitted} rolled back by the outage, ` +
        `${w.committedInOutage} committed with the reply lost), workload ${(workloadMs / 1000).toFixed(1)} s; ` +
        outages.map((o) => `${o.what} at ${o.atChanges} changes, out ${((o.endedAtMs - o.startedAtMs) / 1000).toFixed(1)} s`).join('; ') +
        `; worker exits: ${describeExits(exits).join(', ') || 'none'}; ` +
        `${figures.records} records read for ${figures.expected} expected, ${figures.duplicates} duplicate versions; test ${((Date.now() - t0) / 1000).toFixed(1)} s`;
      summary.push(line);
      console.log(line);
      passed++;
    } finally {
      sup?.kill();
      await pg.end();
      await cleanup(env, name).catch(() => undefined);
    }
  });
});

function frac(lo: number, hi: number): number {
  return Math.floor(TOTAL_CHANGES * (lo + Math.random() * (hi - lo)));
}

function describeExits(exits: WorkerExit[]): string[] {
  return exits.map((e) => `code ${e.code}${e.signal ? ` ${e.signal}` : ''} (${e.fatal?.kind ?? 'no fatal line'}: ${e.fatal?.err ?? ''})`);
}
