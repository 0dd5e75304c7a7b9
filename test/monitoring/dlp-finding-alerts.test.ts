import { AnnotationMetadataEntryType } from 'cdktf';
import { WarehouseDataset } from '../../constructs/bigquery/warehouse-dataset';
import { DlpInspectTemplate } from '../../constructs/dlp/dlp-inspect-template';
import { DlpTableScan } from '../../constructs/dlp/dlp-table-scan';
import { AlertChannel } from '../../constructs/monitoring/alert-channel';
import { DlpFindingAlerts } from '../../constructs/monitoring/dlp-finding-alerts';
import { resources, synth } from '../helpers';

describe('DlpFindingAlerts', () => {
  test('alerts on any finding count, which only scans of tables expected clean publish', () => {
    let alerts: DlpFindingAlerts | undefined;
    const json = synth((stack) => {
      const inspect = new DlpInspectTemplate(stack, 'inspect', { project: 'acme-data', templateId: 'w' });
      const dataset = new WarehouseDataset(stack, 'ds', { project: 'acme-data', datasetId: 'risk_cdc' });
      const clean = new DlpTableScan(stack, 'clean', {
        project: 'acme-data',
        inspectTemplate: inspect,
        dataset,
        tableId: 'risk_risk_rules',
        expectSensitive: false,
      });
      const pii = new DlpTableScan(stack, 'pii', { project: 'acme-data', inspectTemplate: inspect, dataset, tableId: 'risk_users', expectSensitive: true });
      const channel = new AlertChannel(stack, 'mail', { project: 'acme-data', kind: 'email', displayName: 'Privacy', address: 'privacy@acme.com' });
      alerts = new DlpFindingAlerts(stack, 'dlp-alerts', { project: 'acme-data', channels: [channel], scans: [clean, pii] });
    });
    expect(alerts!.watchedTables).toEqual(['risk_cdc.risk_risk_rules']);
    const [policy] = resources(json, 'google_monitoring_alert_policy');
    expect(policy).toMatchObject({ display_name: 'Sensitive data where none was expected', severity: 'CRITICAL' });
    expect(policy.conditions[0].condition_threshold).toMatchObject({
      filter: 'metric.type="dlp.googleapis.com/finding_count"',
      comparison: 'COMPARISON_GT',
      threshold_value: 0,
    });
    expect(policy.documentation.content).toContain('Tables watched: risk_cdc.risk_risk_rules');
    const triggers = Object.fromEntries(
      resources(json, 'google_data_loss_prevention_job_trigger').map((t) => [t.trigger_id, (t.inspect_job.actions ?? []).map((a: any) => Object.keys(a)[0])]),
    );
    expect(triggers).toEqual({ 'scan-risk_cdc-risk_risk_rules': ['publish_to_stackdriver'], 'scan-risk_cdc-risk_users': [] });
  });

  test('without any table expected clean it warns that it can never fire', () => {
    let alerts: DlpFindingAlerts | undefined;
    synth((stack) => {
      const channel = new AlertChannel(stack, 'mail', { project: 'acme-data', kind: 'email', displayName: 'Privacy', address: 'privacy@acme.com' });
      alerts = new DlpFindingAlerts(stack, 'dlp-alerts', { project: 'acme-data', channels: [channel], scans: [] });
    });
    expect(alerts!.node.metadata.filter((m) => m.type === AnnotationMetadataEntryType.WARN).map((m) => m.data)).toEqual([
      'scans: no scan is of a table expected clean, so this alert can never fire',
    ]);
  });
});
