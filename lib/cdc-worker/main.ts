#!/usr/bin/env node
/**
 * `cdc-worker --config FILE` (or `npm run worker -- --config FILE`): PostgreSQL, MySQL or MariaDB
 * (`source.engine`) → Kafka in Debezium's event format. Configuration: the JSON file plus `CDC_*`
 * environment variables (see ./config.ts). Exit codes: 0 after a graceful stop, 1 on a fatal error, 2 on a bad config.
 */
import { ConfigError, loadConfig } from './config';
import { createLogger } from './core/log';
import { createCdcWorker } from './engines';

function parseArgs(argv: string[]): { config?: string; help: boolean } {
  const out: { config?: string; help: boolean } = { help: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--config' || a === '-c') out.config = argv[++i];
    else if (a.startsWith('--config=')) out.config = a.slice('--config='.length);
    else if (a === '--help' || a === '-h') out.help = true;
    else throw new ConfigError([`unknown argument ${a} (usage: cdc-worker --config FILE)`]);
  }
  return out;
}

export async function main(argv: string[] = process.argv.slice(2)): Promise<number> {
  let args;
  let cfg;
  try {
    args = parseArgs(argv);
    if (args.help) {
      process.stdout.write('usage: cdc-worker --config FILE   (overrides: CDC_<SECTION>__<FIELD> environment variables)\n');
      return 0;
    }
    cfg = loadConfig(args.config ?? process.env.CDC_CONFIG, process.env);
  } catch (e) {
    const log = createLogger('info');
    if (e instanceof ConfigError) {
      log.fatal({ problems: e.problems }, e.message);
      return 2;
    }
    throw e;
  }
  const log = createLogger(cfg.log.level);
  const worker = createCdcWorker(cfg, log);
  const onSignal = (sig: string) => {
    log.info({ signal: sig }, 'signal received');
    void worker.stop();
  };
  process.once('SIGTERM', () => onSignal('SIGTERM'));
  process.once('SIGINT', () => onSignal('SIGINT'));
  try {
    await worker.start();
  } catch (e) {
    worker.fail(e as Error, 'startup');
  }
  return worker.finished;
}

if (require.main === module) {
  main().then(
    (code) => {
      process.exitCode = code;
      setTimeout(() => process.exit(code), 500).unref();
    },
    (e) => {
      process.stderr.write(`${(e as Error).stack}\n`);
      process.exit(1);
    },
  );
}
