/**
 * The worker's configuration (the package's `cdktf-data-pipelines/worker/config` entry point, and
 * what the `CdcWorkerService` construct imports): `CdcWorkerConfig`, `CDC_WORKER_CONFIG_SCHEMA`,
 * `loadConfig`, `validateConfig`. The code is in core/config.ts.
 */
export * from './core/config';
