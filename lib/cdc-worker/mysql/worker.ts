/** The MySQL/MariaDB worker: the MySQL engine behind the common lifecycle, writing to Kafka. */
import type { Logger } from 'pino';
import type { ResolvedCdcWorkerConfig } from '../core/config';
import { WorkerLifecycle } from '../core/lifecycle';
import { openKafkaSink } from '../kafka/open-sink';
import { MySqlEngine } from './engine';

/** Binlog capture from MySQL or MariaDB (`source.engine: "mysql" | "mariadb"`; tables as `database.table`). */
export class MySqlCdcWorker extends WorkerLifecycle {
  constructor(cfg: ResolvedCdcWorkerConfig, log: Logger) {
    super(cfg, log, (ctx) => new MySqlEngine(ctx), openKafkaSink);
  }
}
