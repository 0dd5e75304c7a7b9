/**
 * The engines, by `source.engine`: the one place that knows them all. A new engine is a folder
 * beside postgres/ and mysql/ (see ARCHITECTURE.md), a line here, and its name in the config
 * schema's `source.engine`.
 */
import type { Logger } from 'pino';
import type { ResolvedCdcWorkerConfig } from './core/config';
import type { CdcWorker } from './core/worker';
import { MySqlCdcWorker } from './mysql/worker';
import { PostgresCdcWorker } from './postgres/worker';

const ENGINES: Record<ResolvedCdcWorkerConfig['source']['engine'], new (cfg: ResolvedCdcWorkerConfig, log: Logger) => CdcWorker> = {
  postgres: PostgresCdcWorker,
  mysql: MySqlCdcWorker,
  mariadb: MySqlCdcWorker,
};

/** The worker for `cfg.source.engine`: PostgreSQL (logical replication) or MySQL/MariaDB (binlog). */
export function createCdcWorker(cfg: ResolvedCdcWorkerConfig, log: Logger): CdcWorker {
  return new ENGINES[cfg.source.engine](cfg, log);
}
