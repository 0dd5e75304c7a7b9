/** The PostgreSQL worker: the PostgreSQL engine behind the common lifecycle, writing to Kafka. */
import type { Logger } from 'pino';
import type { ResolvedCdcWorkerConfig } from '../core/config';
import { WorkerLifecycle } from '../core/lifecycle';
import { openKafkaSink } from '../kafka/open-sink';
import { PostgresEngine } from './engine';

/** Logical replication (pgoutput) from PostgreSQL (`source.engine: "postgres"`, the default; tables as `schema.table`). */
export class PostgresCdcWorker extends WorkerLifecycle {
  constructor(cfg: ResolvedCdcWorkerConfig, log: Logger) {
    super(cfg, log, (ctx) => new PostgresEngine(ctx), openKafkaSink);
  }
}
