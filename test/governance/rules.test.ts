import { BigqueryDatasetIamMember } from '@cdktf/provider-google/lib/bigquery-dataset-iam-member';
import { MonitoringNotificationChannel } from '@cdktf/provider-google/lib/monitoring-notification-channel';
import { WarehouseDataset } from '../../constructs/bigquery/warehouse-dataset';
import { ClassifiedTable } from '../../constructs/catalog/classified-table';
import { DataClassification } from '../../constructs/catalog/data-classification';
import { SecretValue } from '../../constructs/core/secret-value';
import { DlpInspectTemplate } from '../../constructs/dlp/dlp-inspect-template';
import { DlpTableScan } from '../../constructs/dlp/dlp-table-scan';
import { KafkaAcl } from '../../constructs/kafka/kafka-acl';
import {
  columnTypesDeclared,
  datasetDeletionProtection,
  datasetOwnerAndClassification,
  isSecretKey,
  kafkaTls,
  noInlineSecret,
  noPublicAccess,
  piiRetention,
  sensitiveColumnsTagged,
  sensitiveDatasetScanned,
  sensitiveTopicNoWildcardRead,
  topicDurability,
} from '../../constructs/governance/rules';
import { kafkaCluster } from '../fixtures';
import { govern, shopPipeline } from './govern';

const WEEK_MS = 7 * 86400000;
const retained = { cleanupPolicy: 'compact' as const, minInsyncReplicas: 2, extra: { 'max.compaction.lag.ms': String(WEEK_MS) } };

describe('DatasetOwnerAndClassification', () => {
  test('breaks: a dataset without owner, one with an unknown classification', () => {
    expect(
      govern((stack) => {
        new WarehouseDataset(stack, 'bare', { project: 'acme-data', datasetId: 'bare' });
        new WarehouseDataset(stack, 'odd', { project: 'acme-data', datasetId: 'odd', labels: { owner: 'x', classification: 'secret' } });
      }, datasetOwnerAndClassification),
    ).toEqual([
      "error T.DatasetOwnerAndClassification test/bare: dataset bare lacks the 'owner' and 'classification' labels",
      'error T.DatasetOwnerAndClassification test/odd: dataset odd has classification "secret"; allowed: public, internal, confidential, pii, pii-high, pci, phi',
    ]);
  });
  test('passes: owner and a known classification', () => {
    expect(
      govern(
        (stack) => new WarehouseDataset(stack, 'ds', { project: 'acme-data', datasetId: 'ds', labels: { owner: 'x', classification: 'pii' } }),
        datasetOwnerAndClassification,
      ),
    ).toEqual([]);
  });
});

describe('NoPublicAccess', () => {
  test('breaks: a raw IAM member for allAuthenticatedUsers', () => {
    expect(
      govern(
        (stack) => new BigqueryDatasetIamMember(stack, 'leak', { datasetId: 'd', role: 'roles/bigquery.dataViewer', member: 'allAuthenticatedUsers' }),
        noPublicAccess,
      ),
    ).toEqual(['error T.NoPublicAccess test/leak: google_bigquery_dataset_iam_member grants roles/bigquery.dataViewer to allAuthenticatedUsers']);
  });
  test('passes: a group', () => {
    expect(
      govern(
        (stack) => new BigqueryDatasetIamMember(stack, 'ok', { datasetId: 'd', role: 'roles/bigquery.dataViewer', member: 'group:analysts@acme.com' }),
        noPublicAccess,
      ),
    ).toEqual([]);
  });
});

describe('KafkaTls', () => {
  test('breaks: a plaintext cluster', () => {
    expect(govern((stack) => kafkaCluster(stack, { tlsEnabled: false }), kafkaTls)).toEqual([
      'error T.KafkaTls test/kafka: Kafka platform kafka has tlsEnabled false; allowed: true',
    ]);
  });
  test('passes: TLS by default', () => {
    expect(govern((stack) => kafkaCluster(stack), kafkaTls)).toEqual([]);
  });
});

describe('NoInlineSecret', () => {
  test('breaks: a Slack token written literally', () => {
    expect(
      govern(
        (stack) =>
          new MonitoringNotificationChannel(stack, 'slack', { type: 'slack', labels: { channel_name: '#x' }, sensitiveLabels: { authToken: 'xoxb-literal' } }),
        noInlineSecret,
      ),
    ).toEqual([
      'error T.NoInlineSecret test/slack: google_monitoring_notification_channel has a literal secret in sensitive_labels.auth_token; allowed: SecretValue.fromVariable or SecretValue.fromSecretManager',
    ]);
  });
  test('judges keys by their last word', () => {
    expect(
      ['sasl_password', 'sensitive_labels.auth_token', 'database.password', 'private_key', 'key_json', 'sasl.jaas.config', 'serviceKey'].filter(isSecretKey),
    ).toHaveLength(7);
    expect(['secrets-backend', 'secrets-backend_kwargs', 'scram_mechanism', 'keyfile', 'keySource', 'secret_id', 'token_uri_name'].filter(isSecretKey)).toEqual(
      [],
    );
  });
  test('passes: the token from a sensitive variable; a whole pipeline has no literal secret', () => {
    expect(
      govern((stack) => {
        new MonitoringNotificationChannel(stack, 'slack', {
          type: 'slack',
          labels: { channel_name: '#x' },
          sensitiveLabels: { authToken: SecretValue.fromVariable('slack_token').resolve(stack) },
        });
        shopPipeline(stack);
      }, noInlineSecret),
    ).toEqual([]);
  });
});

describe('SensitiveTopicNoWildcardRead', () => {
  const rule = sensitiveTopicNoWildcardRead(['pii']);
  test('breaks: User:* may read every topic of the shop, orders included', () => {
    expect(
      govern((stack) => {
        const rt = shopPipeline(stack);
        new KafkaAcl(stack, 'everyone', {
          platform: rt.sources.shop.topics['public.orders'].platform,
          principal: 'User:*',
          operation: 'Read',
          resourceType: 'Topic',
          resourceName: 'shop.',
          patternType: 'Prefixed',
        });
      }, rule),
    ).toEqual(['error T.SensitiveTopicNoWildcardRead test/everyone: User:* may Read "shop.public.orders", which holds pii data']);
  });
  test('passes: User:* reads only the invoices (no pii), a named user reads orders', () => {
    expect(
      govern((stack) => {
        const rt = shopPipeline(stack);
        const platform = rt.sources.shop.topics['public.orders'].platform;
        new KafkaAcl(stack, 'everyone', { platform, principal: 'User:*', operation: 'Read', resourceType: 'Topic', resourceName: 'shop.billing.invoices' });
        new KafkaAcl(stack, 'analytics', {
          platform,
          principal: 'User:analytics',
          operation: 'Read',
          resourceType: 'Topic',
          resourceName: 'shop.public.orders',
        });
      }, rule),
    ).toEqual([]);
  });
});

describe('PiiRetention', () => {
  const rule = piiRetention(30);
  test('breaks: a compacted PII topic without a compaction bound; an appending sink that never deletes', () => {
    expect(govern((stack) => shopPipeline(stack, { sink: { upsert: false } }), rule)).toEqual([
      'error T.PiiRetention test/rt/shop/topic-public.orders: topic "shop.public.orders" is compacted without max.compaction.lag.ms <= 2592000000, so an erased row\'s old values may stay in uncompacted segments for ever; allowed: max.compaction.lag.ms <= 2592000000 (30 days)',
      'error T.PiiRetention test/rt/shop/dataset: dataset shop_cdc keeps rows of shop_public_orders after the source deletes them (the sink does not delete) and has no expiration <= 30 days',
    ]);
  });
  test('breaks: a time-retained PII topic kept for ever', () => {
    expect(govern((stack) => shopPipeline(stack, { topicConfig: { cleanupPolicy: 'delete', retentionMs: -1 } }), rule)).toEqual([
      'error T.PiiRetention test/rt/shop/topic-public.orders: topic "shop.public.orders" keeps data for retention.ms -1; allowed: at most 2592000000 (30 days)',
    ]);
  });
  test('passes: compaction bounded to a week, the sink deletes rows on tombstones', () => {
    expect(govern((stack) => shopPipeline(stack, { topicConfig: retained }), rule)).toEqual([]);
  });
});

describe('SensitiveDatasetScanned', () => {
  const rule = sensitiveDatasetScanned(['pii']);
  test('breaks: the shop dataset receives pii and nothing scans it', () => {
    expect(govern((stack) => shopPipeline(stack), rule)).toEqual([
      'error T.SensitiveDatasetScanned test/rt/shop/dataset: dataset shop_cdc receives pii data in shop_public_orders, which no DlpTableScan covers',
    ]);
  });
  test('passes: a scan of the orders table', () => {
    expect(
      govern((stack) => {
        const rt = shopPipeline(stack);
        const inspect = new DlpInspectTemplate(stack, 'inspect', { project: 'acme-data', templateId: 'w' });
        new DlpTableScan(stack, 'scan', {
          project: 'acme-data',
          inspectTemplate: inspect,
          dataset: rt.sources.shop.dataset,
          tableId: 'shop_public_orders',
          expectSensitive: true,
        });
      }, rule),
    ).toEqual([]);
  });
});

describe('SensitiveColumnsTagged', () => {
  const rule = sensitiveColumnsTagged(['pii']);
  test('breaks: orders.email is pii and carries no policy tag', () => {
    expect(govern((stack) => shopPipeline(stack), rule)).toEqual([
      'error T.SensitiveColumnsTagged test/rt/shop/dataset: dataset shop_cdc has columns without their policy tag: shop_public_orders.email (pii)',
    ]);
  });
  test('passes: a classified orders table', () => {
    expect(
      govern((stack) => {
        const rt = shopPipeline(stack);
        const classification = new DataClassification(stack, 'classification', { project: 'acme-data' });
        new ClassifiedTable(stack, 'orders', {
          dataset: rt.sources.shop.dataset,
          classification,
          tableId: 'shop_public_orders',
          columns: [{ name: 'email', type: 'text', sensitivity: 'pii' }],
        });
      }, rule),
    ).toEqual([]);
  });
});

describe('TopicDurability (warning)', () => {
  test('breaks: replication factor 2 with min.insync.replicas 1', () => {
    expect(
      govern((stack) => shopPipeline(stack, { topicReplicationFactor: 2, topicConfig: { cleanupPolicy: 'compact', minInsyncReplicas: 1 } }), topicDurability),
    ).toEqual([
      'warning T.TopicDurability test/rt/shop/topic-public.orders: topic "shop.public.orders" has replication factor 2 and min.insync.replicas 1; allowed: >= 3 and >= 2',
      'warning T.TopicDurability test/rt/shop/topic-billing.invoices: topic "shop.billing.invoices" has replication factor 2 and min.insync.replicas 1; allowed: >= 3 and >= 2',
    ]);
  });
  test('passes: the pipeline defaults (3 and 2)', () => {
    expect(govern((stack) => shopPipeline(stack), topicDurability)).toEqual([]);
  });
});

describe('DatasetDeletionProtection (warning)', () => {
  test('breaks: protection off', () => {
    expect(
      govern((stack) => new WarehouseDataset(stack, 'tmp', { project: 'acme-data', datasetId: 'tmp', deletionProtection: false }), datasetDeletionProtection),
    ).toEqual(['warning T.DatasetDeletionProtection test/tmp: dataset tmp has deletionProtection off']);
  });
  test('passes: the default', () => {
    expect(govern((stack) => new WarehouseDataset(stack, 'ds', { project: 'acme-data', datasetId: 'ds' }), datasetDeletionProtection)).toEqual([]);
  });
});

describe('ColumnTypesDeclared (warning)', () => {
  const table = (types: boolean) => (stack: any) => {
    const classification = new DataClassification(stack, 'classification', { project: 'acme-data' });
    const dataset = new WarehouseDataset(stack, 'ds', { project: 'acme-data', datasetId: 'ds' });
    new ClassifiedTable(stack, 't', {
      dataset,
      classification,
      tableId: 't',
      columns: [{ name: 'email', sensitivity: 'pii', type: types ? 'text' : undefined }],
    });
  };
  test('breaks: an untyped column', () => {
    expect(govern(table(false), columnTypesDeclared)).toEqual(['warning T.ColumnTypesDeclared test/t: table ds.t declares no type for email']);
  });
  test('passes: typed', () => {
    expect(govern(table(true), columnTypesDeclared)).toEqual([]);
  });
});
