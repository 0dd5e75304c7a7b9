import { Testing, TerraformStack } from 'cdktf';
import { DataInventory, sensitiveLabelsOf } from '../../constructs/catalog/data-inventory';
import { RealtimePipeline } from '../../constructs/stages/realtime-pipeline';
import { connectCluster, kafkaCluster, mysqlSource, postgresSource } from '../fixtures';

describe('DataInventory', () => {
  test('knows which topics and datasets carry which labels, from the pipelines of the stack', () => {
    const stack = new TerraformStack(Testing.app(), 'test');
    const kafka = kafkaCluster(stack);
    const rt = new RealtimePipeline(stack, 'rt', {
      kafka,
      connect: connectCluster(stack, kafka),
      sources: [postgresSource(stack), mysqlSource(stack)],
      warehouse: { project: 'acme-data' },
    });
    const inventory = DataInventory.of(stack);
    expect(inventory.tables.map((t) => `${t.topic} -> ${t.datasetId}.${t.tableId} [${t.labels.join(',')}]`)).toEqual([
      'shop.public.orders -> shop_cdc.shop_public_orders [pii]',
      'shop.billing.invoices -> shop_cdc.shop_billing_invoices []',
      'legacy.app.users -> legacy_cdc.legacy_app_users []',
      'legacy.app.payments -> legacy_cdc.legacy_app_payments []',
    ]);
    expect(inventory.topicLabels('shop.public.orders')).toEqual(['pii']);
    expect(inventory.datasetLabels(rt.sources.shop.dataset)).toEqual(['pii']);
    expect(inventory.datasetLabels(rt.sources.legacy.dataset)).toEqual([]);
    expect(inventory.tablesOf(rt.sources.shop.dataset)[0].sinkConfig.deleteEnabled).toBe('true');
  });

  test('sensitive labels of a table, in the order of SENSITIVE_LABELS', () => {
    expect(
      sensitiveLabelsOf({ name: 't', primaryKey: ['id'], columns: [{ name: 'a', sensitivity: 'pci' }, { name: 'b', sensitivity: 'pii' }, { name: 'c' }] }),
    ).toEqual(['pii', 'pci']);
  });
});
