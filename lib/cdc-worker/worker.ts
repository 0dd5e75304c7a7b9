/**
 * The CDC worker's programmatic entry point (the package's `cdktf-data-pipelines/worker`):
 * `createCdcWorker(config, logger)` gives the worker for `source.engine`, a {@link CdcWorker}.
 * The code lives in core/ (the lifecycle every engine shares), postgres/ and mysql/ (the engines)
 * and kafka/ (the sink); see ARCHITECTURE.md.
 */
import type { Logger } from 'pino';
import type { ResolvedCdcWorkerConfig } from './core/config';
import type { CdcWorker as CdcWorkerContract } from './core/worker';
import { PostgresCdcWorker } from './postgres/worker';

export { createCdcWorker } from './engines';
export { PostgresCdcWorker } from './postgres/worker';
export { MySqlCdcWorker } from './mysql/worker';
export type { SourceEngine, EngineContext, WorkerPhase } from './core/worker';

/** One worker, whatever the engine: start, stop, fail, probes, metrics. */
export type CdcWorker = CdcWorkerContract;

/**
 * The PostgreSQL worker, under its former name: `new CdcWorker(cfg, log)` still gives one.
 * @deprecated Use `createCdcWorker(cfg, log)` (any engine) or `new PostgresCdcWorker(cfg, log)`.
 */
export const CdcWorker: new (cfg: ResolvedCdcWorkerConfig, log: Logger) => PostgresCdcWorker = PostgresCdcWorker;
