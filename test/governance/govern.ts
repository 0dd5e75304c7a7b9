import { Testing, TerraformStack } from 'cdktf';
import { GoogleProvider } from '@cdktf/provider-google/lib/provider';
import { GovernanceChecks } from '../../constructs/governance/governance-checks';
import { GovernanceRule } from '../../constructs/governance/governance-rule';
import { RulePack } from '../../constructs/governance/rule-packs';
import { RealtimePipeline, RealtimePipelineProps } from '../../constructs/stages/realtime-pipeline';
import { connectCluster, kafkaCluster, postgresSource } from '../fixtures';

/** Builds a stack, applies one pack (or a pack of one rule) and returns `rule path: message` of each finding. */
export function govern(build: (stack: TerraformStack) => void, pack: RulePack | GovernanceRule): string[] {
  const stack = new TerraformStack(Testing.app(), 'test');
  new GoogleProvider(stack, 'google', { project: 'acme-test', region: 'us-central1' });
  build(stack);
  const packs = 'rules' in pack ? [pack] : [{ name: 'T', description: 'one rule', rules: [pack] }];
  return new GovernanceChecks(stack, 'governance', { packs }).run().map((f) => `${f.level} ${f.rule} ${f.path}: ${f.message}`);
}

/** The realtime pipeline of the fixtures: shop (postgres; orders.email is pii) into dataset shop_cdc. */
export function shopPipeline(stack: TerraformStack, overrides: Partial<RealtimePipelineProps> = {}): RealtimePipeline {
  const kafka = kafkaCluster(stack);
  return new RealtimePipeline(stack, 'rt', {
    kafka,
    connect: connectCluster(stack, kafka),
    sources: [postgresSource(stack)],
    warehouse: { project: 'acme-data', labels: { owner: 'shop-team', classification: 'confidential' } },
    ...overrides,
  });
}
