import { Construct } from 'constructs';
import { TerraformStack } from 'cdktf';
import { SecretValue } from '../constructs/core/secret-value';
import { PipelineServiceAccount } from '../constructs/bigquery/pipeline-service-account';
import { feedsOfPipeline } from '../constructs/catalog/data-inventory';
import { ISourceDatabase } from '../constructs/sources/source-database';
import { GovernanceChecks } from '../constructs/governance/governance-checks';
import {
  DataAutomation,
  DataAutomationProps,
  describeDatabaseTopics,
  describedTopicsOfIntegrationPlatform,
  feedsOfIntegrationPlatform,
} from '../constructs/stages/data-automation';
import { ReferenceStackConfig } from './stack-config';
import { buildWePayCompany, WePayCompany } from './wepay-stages';

/**
 * The realtime company of `wepay-2017`, grown to `wepay-2019`'s integration platform, at stage 4
 * (automation): the same stack as stage 3 plus, beside it and nothing of it moved,
 *
 * - column-level security: a taxonomy and every landed table with a labelled column declared with
 *   its policy tags (the tables the sinks created are adopted by import blocks);
 * - DLP scans of every landed table, findings to BigQuery and Pub/Sub;
 * - alerts on sensitive data where none was expected (no CDC worker alerts: this company captures
 *   with Debezium on Connect and deploys no CdcWorkerService);
 * - compacted topics with personal data compacting erased rows within seven days;
 * - one access model: analysts, the privacy team, finance, the fraud scorer and the card vault
 *   (the two services' service accounts are created here, so a fresh project needs nothing first);
 * - GDPR, PCI DSS, HIPAA and data-engineering rule packs, checked at synth, with a report.
 */
export class AutomationStack extends TerraformStack {
  /** The company at stage 3. */
  public readonly company: WePayCompany;
  /** Stage 4. */
  public readonly automation: DataAutomation;

  constructor(scope: Construct, id: string, config: ReferenceStackConfig) {
    super(scope, id);
    this.company = buildWePayCompany(this, 3, config);
    const { realtime, integration, kafka } = this.company;
    const payouts = this.node.tryFindChild('payouts-service') as ISourceDatabase | undefined;
    const feeds = [
      ...feedsOfPipeline(realtime!),
      ...feedsOfIntegrationPlatform(integration!, payouts ? describeDatabaseTopics(payouts) : {}, realtime!.topics),
    ];
    // Workload identities of the two services the access model names: created here and named by
    // reference, so their grants follow them (a literal email fails while the account is missing).
    const cardVault = new PipelineServiceAccount(this, 'card-vault-account', {
      project: config.project,
      accountId: 'card-vault',
      displayName: 'Card vault service',
    });
    const fraudScorer = new PipelineServiceAccount(this, 'fraud-scorer-account', {
      project: config.project,
      accountId: 'fraud-scorer',
      displayName: 'Fraud scorer service',
    });
    this.automation = new DataAutomation(this, 'automation', {
      project: config.project,
      location: 'US',
      feeds,
      // Topics streamed elsewhere (risk events to Pub/Sub) carry personal data too: bounded for erasure.
      streamedTopics: describedTopicsOfIntegrationPlatform(integration!, payouts ? describeDatabaseTopics(payouts) : {}),
      kafka,
      adoptExistingTables: true,
      notify: [
        { kind: 'email', displayName: 'Data platform on-call', address: 'data-oncall@wepay.example' },
        { kind: 'email', displayName: 'Privacy office', address: 'privacy@wepay.example' },
        { kind: 'slack', displayName: 'Slack #data-alerts', address: '#data-alerts', secret: SecretValue.fromVariable('slack_alerts_token') },
      ],
      access: accessModel(cardVault.member, fraudScorer.member),
    });
    // Findings accepted on purpose; the governance report lists them with these reasons.
    const tables = this.automation.classifiedTables;
    GovernanceChecks.suppress(
      tables['integration_cdc.profiles_profiles_merchant_profiles'],
      'ColumnTypesDeclared',
      'MongoDB document fields land as the JSON types the sink sees; contact_email is a string',
    );
  }
}

/**
 * Stage 4's one access model: who reads the warehouse, personal data, the ledger and card numbers,
 * what the fraud scorer and the risk contractors may read on Kafka, and the teams that hold them.
 * The card vault and the fraud scorer are named by their service accounts' members.
 */
function accessModel(cardVault: string, fraudScorer: string): DataAutomationProps['access'] {
  return {
    principals: [
      { name: 'analysts', google: 'group:analysts@wepay.example' },
      { name: 'privacy-office', google: 'group:privacy@wepay.example' },
      { name: 'finance', google: 'group:finance@wepay.example' },
      { name: 'card-vault', google: cardVault },
      { name: 'fraud-scorer', scram: { password: SecretValue.fromVariable('fraud_scorer_kafka_password') }, google: fraudScorer },
      { name: 'risk-contractors', kafkaPrincipal: 'User:risk-contractors', roles: ['risk-reader', 'no-payments'] },
    ],
    roles: [
      {
        name: 'warehouse-reader',
        description: 'Reads the captured datasets; sensitive columns stay hidden.',
        grants: [{ dataset: 'monolith_cdc' }, { dataset: 'risk_cdc' }, { dataset: 'ledger_cdc' }, { dataset: 'integration_cdc' }],
      },
      {
        name: 'personal-data-reader',
        description: 'Reads personal data columns (DSARs, erasure checks).',
        grants: [{ columns: ['pii', 'pii-high'] }, { dataset: 'dlp_findings' }],
      },
      { name: 'ledger-reader', grants: [{ dataset: 'ledger_cdc' }] },
      { name: 'card-data-reader', description: 'Only the card vault reads card numbers.', grants: [{ columns: 'pci' }, { dataset: 'monolith_cdc' }] },
      {
        name: 'fraud-scoring',
        grants: [
          { topic: 'monolith.wepay.payments', group: 'fraud-scorer' },
          { topicPrefix: 'risk.', group: 'fraud-scorer' },
          { dataset: 'risk_cdc', access: 'write' },
        ],
      },
      { name: 'risk-reader', grants: [{ topicPrefix: 'risk.', group: 'risk-contractors' }] },
      {
        name: 'no-payments',
        description: 'Contractors never read payments, whatever else they hold.',
        grants: [{ topic: 'monolith.wepay.payments', deny: true }],
      },
    ],
    teams: [
      { name: 'analytics', members: ['analysts'], roles: ['warehouse-reader'] },
      { name: 'privacy', members: ['privacy-office'], roles: ['warehouse-reader', 'personal-data-reader'] },
      { name: 'finance', members: ['finance'], roles: ['ledger-reader'] },
      { name: 'payments-security', members: ['card-vault'], roles: ['card-data-reader'] },
      { name: 'risk', members: ['fraud-scorer'], roles: ['fraud-scoring'] },
    ],
  };
}
