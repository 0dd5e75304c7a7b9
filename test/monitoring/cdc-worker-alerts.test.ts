import { AlertChannel } from '../../constructs/monitoring/alert-channel';
import { CdcWorkerAlerts } from '../../constructs/monitoring/cdc-worker-alerts';
import { ThresholdAlert } from '../../constructs/monitoring/threshold-alert';
import { problems, resources, synth } from '../helpers';

describe('CdcWorkerAlerts', () => {
  const channel = (stack: any) => new AlertChannel(stack, 'mail', { project: 'acme-data', kind: 'email', displayName: 'Data on-call', address: 'data-oncall@acme.com' });

  test('log-based metrics for errors and starts, and one alert policy on each', () => {
    const json = synth((stack) => new CdcWorkerAlerts(stack, 'cdc', { project: 'acme-data', channels: [channel(stack)] }));
    expect(resources(json, 'google_logging_metric').map((m) => [m.name, m.filter, m.label_extractors])).toEqual([
      ['cdc_worker_errors', 'jsonPayload.service="cdc-worker" AND severity>=ERROR', { kind: 'EXTRACT(jsonPayload.kind)' }],
      ['cdc_worker_starts', 'jsonPayload.service="cdc-worker" AND jsonPayload.msg="streaming started"', undefined],
    ]);
    resources(json, 'google_logging_metric').forEach((m) => expect(m.metric_descriptor).toMatchObject({ metric_kind: 'DELTA', value_type: 'INT64' }));
    const policies = resources(json, 'google_monitoring_alert_policy');
    expect(policies.map((p) => [p.display_name, p.severity, p.conditions[0].condition_threshold.threshold_value, p.conditions[0].condition_threshold.aggregations[0].alignment_period])).toEqual([
      ['CDC worker errors', 'ERROR', 0, '300s'],
      ['CDC worker restarting', 'CRITICAL', 3, '3600s'],
    ]);
    expect(policies[0].conditions[0].condition_threshold.filter).toMatch(/^metric\.type="logging\.googleapis\.com\/user\/\$\{google_logging_metric\.cdc_errors_metric_[0-9A-F]+\.name\}"$/);
    policies.forEach((p) => {
      expect(p.notification_channels).toEqual([expect.stringMatching(/^\$\{google_monitoring_notification_channel\.mail_channel_[0-9A-F]+\.name\}$/)]);
      expect(p.documentation.mime_type).toBe('text/markdown');
      expect(p.alert_strategy).toEqual({ auto_close: '86400s' });
    });
  });

  test('an alert without channels, runbook or metric is refused', () => {
    const found = problems((stack) => {
      new ThresholdAlert(stack, 'a', { project: 'acme-data', displayName: 'x', filter: 'resource.type="gce_instance"', channels: [], runbook: ' ', windowSeconds: 5 });
      new CdcWorkerAlerts(stack, 'cdc', { project: 'acme-data', channels: [channel(stack)], maxStartsPerHour: 0 });
    });
    expect(found).toEqual([
      '[test/a] channels: [] is not valid; allowed: at least one AlertChannel: an alert nobody receives is no alert',
      '[test/a] windowSeconds: 5 is not valid; allowed: an integer from 60 to 86400',
      '[test/a] filter: "resource.type=\\"gce_instance\\"" is not valid; allowed: a Monitoring filter naming metric.type',
      '[test/a] runbook: " " is not valid; allowed: what the person notified should do',
      '[test/cdc] maxStartsPerHour: 0 is not valid; allowed: an integer from 1 to 1000',
    ]);
  });
});
