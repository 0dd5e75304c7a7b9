import {
  atLevel,
  columnTypesDeclared,
  datasetDeletionProtection,
  datasetOwnerAndClassification,
  kafkaTls,
  noInlineSecret,
  noPublicAccess,
  piiRetention,
  sensitiveColumnsTagged,
  sensitiveDatasetScanned,
  sensitiveTopicNoWildcardRead,
  topicDurability,
} from './rules';
import { GovernanceRule } from './governance-rule';

/** A named group of rules, like a cdk-nag pack. */
export interface RulePack {
  /** Pack name, the prefix of its findings (`GDPR.PiiRetention`). */
  readonly name: string;
  /** What the pack is for. */
  readonly description: string;
  /** Its rules. */
  readonly rules: readonly GovernanceRule[];
}

/** Options of the GDPR pack. */
export interface GdprPackOptions {
  /** Days personal data may outlive its erasure at the source in topics and datasets. @default 30 */
  readonly retentionDays?: number;
}

/** GDPR: personal data (pii, pii-high) labelled, owned, scanned, column-protected, never public, not kept after erasure. */
export function gdprPack(options: GdprPackOptions = {}): RulePack {
  const labels = ['pii', 'pii-high'] as const;
  return {
    name: 'GDPR',
    description: 'EU General Data Protection Regulation: personal data (pii, pii-high).',
    rules: [
      datasetOwnerAndClassification,
      noPublicAccess,
      sensitiveTopicNoWildcardRead(labels),
      piiRetention(options.retentionDays ?? 30, labels),
      sensitiveDatasetScanned(labels),
      sensitiveColumnsTagged(labels),
    ],
  };
}

/** PCI DSS: cardholder data (pci) encrypted in transit, scanned, column-protected, no inline secrets. */
export function pciDssPack(): RulePack {
  const labels = ['pci'] as const;
  return {
    name: 'PCI-DSS',
    description: 'PCI DSS v4: cardholder data (pci).',
    rules: [kafkaTls, noInlineSecret, noPublicAccess, sensitiveTopicNoWildcardRead(labels), sensitiveDatasetScanned(labels), sensitiveColumnsTagged(labels)],
  };
}

/** HIPAA: protected health information (phi) encrypted in transit, scanned, column-protected. */
export function hipaaPack(): RulePack {
  const labels = ['phi'] as const;
  return {
    name: 'HIPAA',
    description: 'HIPAA Security Rule: protected health information (phi).',
    rules: [kafkaTls, noPublicAccess, sensitiveTopicNoWildcardRead(labels), sensitiveDatasetScanned(labels), sensitiveColumnsTagged(labels)],
  };
}

/** Data-engineering practices: ownership, no inline secrets, TLS, durable topics, protected datasets, typed columns. */
export function dataEngineeringPack(): RulePack {
  return {
    name: 'DataEngineering',
    description: 'Practices that keep a pipeline operable without a human touching it.',
    rules: [datasetOwnerAndClassification, noInlineSecret, atLevel(kafkaTls, 'error'), topicDurability, datasetDeletionProtection, columnTypesDeclared],
  };
}
