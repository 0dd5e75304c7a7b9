import { Construct } from 'constructs';
import { GcsBackend, TerraformStack } from 'cdktf';
import { GoogleProvider } from '@cdktf/provider-google/lib/provider';

/**
 * Settings shared by the reference stacks, from environment variables, with defaults that need
 * no cloud account: synth never calls Google or Kafka.
 */
export interface ReferenceStackConfig {
  /** Google Cloud project (`CDP_GCP_PROJECT`). @default 'acme-data-platform' */
  readonly project: string;
  /** Google Cloud region (`CDP_GCP_REGION`). @default 'us-central1' */
  readonly region: string;
  /** GCS bucket for remote state (`CDP_STATE_BUCKET`). @default none: local state */
  readonly stateBucket?: string;
  /** Prefix of state objects in the bucket (`CDP_STATE_PREFIX`). @default 'cdktf-data-pipelines' */
  readonly statePrefix: string;
}

/** Reads the reference stack settings from the environment. */
export function loadReferenceStackConfig(env: NodeJS.ProcessEnv = process.env): ReferenceStackConfig {
  return {
    project: env.CDP_GCP_PROJECT || 'acme-data-platform',
    region: env.CDP_GCP_REGION || 'us-central1',
    stateBucket: env.CDP_STATE_BUCKET || undefined,
    statePrefix: env.CDP_STATE_PREFIX || 'cdktf-data-pipelines',
  };
}

/** Adds the Google provider and, when a bucket is configured, the GCS backend to a stack. */
export function useGoogleCloud(stack: TerraformStack, config: ReferenceStackConfig): GoogleProvider {
  useStateBackend(stack, config);
  return new GoogleProvider(stack, 'google', { project: config.project, region: config.region });
}

/** Remote state in GCS when configured (one prefix per stack); local state otherwise. */
export function useStateBackend(stack: TerraformStack, config: ReferenceStackConfig): void {
  if (config.stateBucket) {
    new GcsBackend(stack, { bucket: config.stateBucket, prefix: `${config.statePrefix}/${stack.node.id}` });
  }
}

/** A reference stack factory: builds one named stack in an app. */
export type ReferenceStackFactory = (scope: Construct, name: string, config: ReferenceStackConfig) => TerraformStack;
