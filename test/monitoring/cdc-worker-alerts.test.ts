import { AlertChannel } from '../../constructs/monitoring/alert-channel';
import { CdcWorkerAlerts } from '../../constructs/monitoring/cdc-worker-alerts';
import { ThresholdAlert } from '../../constructs/monitoring/threshold-alert';
import { CdcWorkerService } from '../../constructs/runtime/cdc-worker-service';
import { SecretValue } from '../../constructs/core/secret-value';
import { problems, resources, synth } from '../helpers';
import { kafkaCluster, mysqlSource, postgresSource } from '../fixtures';

describe('CdcWorkerAlerts', () => {
  const channel = (stack: any) =>
    new AlertChannel(stack, 'mail', { project: 'acme-data', kind: 'email', displayName: 'Data on-call', address: 'data-oncall@acme.com' });
  const worker = (stack: any, serviceName?: string) =>
    new CdcWorkerService(stack, serviceName ?? 'worker', {
      project: 'acme-data',
      region: 'us-central1',
      image: 'img:1',
      serviceName,
      kafka: stack.node.tryFindChild('kafka') ?? kafkaCluster(stack),
      database: stack.node.tryFindChild('shop') ?? postgresSource(stack, { replicationPassword: SecretValue.fromSecretManager('shop-cdc') }),
      kafkaIdentity: { username: 'cdc-shop', password: SecretValue.fromSecretManager('kafka-cdc-shop') },
      topicPrefix: serviceName,
      createTopics: serviceName === undefined,
    });

  test('log-based metrics for errors and starts, and one alert policy on each', () => {
    const json = synth((stack) => new CdcWorkerAlerts(stack, 'cdc', { project: 'acme-data', channels: [channel(stack)], workers: [worker(stack)] }));
    const shop = 'jsonPayload.service="cdc-worker" AND resource.type="cloud_run_revision" AND resource.labels.service_name="cdc-shop"';
    expect(
      resources(json, 'google_logging_metric')
        .filter((m) => !m.name.includes('_slot_'))
        .map((m) => [m.name, m.filter, m.label_extractors]),
    ).toEqual([
      ['cdc_worker_errors', `${shop} AND severity>=ERROR`, { kind: 'EXTRACT(jsonPayload.kind)' }],
      ['cdc_worker_starts', `${shop} AND jsonPayload.msg="streaming started"`, undefined],
    ]);
    resources(json, 'google_logging_metric')
      .filter((m) => !m.name.includes('_slot_'))
      .forEach((m) => expect(m.metric_descriptor).toMatchObject({ metric_kind: 'DELTA', value_type: 'INT64' }));
    const policies = resources(json, 'google_monitoring_alert_policy');
    expect(
      policies.map((p) => [
        p.display_name,
        p.severity,
        p.conditions[0].condition_threshold.threshold_value,
        p.conditions[0].condition_threshold.aggregations[0].alignment_period,
      ]),
    ).toEqual([
      ['CDC worker errors', 'ERROR', 0, '300s'],
      ['CDC worker restarting', 'CRITICAL', 3, '3600s'],
      ['CDC worker slot not confirming', 'CRITICAL', 900, '300s'],
      ['CDC worker slot retains WAL', 'CRITICAL', 10737418240, '300s'],
    ]);
    expect(policies[0].conditions[0].condition_threshold.filter).toMatch(
      /^metric\.type="logging\.googleapis\.com\/user\/\$\{google_logging_metric\.cdc_errors_metric_[0-9A-F]+\.name\}"$/,
    );
    policies.forEach((p) => {
      expect(p.notification_channels).toEqual([expect.stringMatching(/^\$\{google_monitoring_notification_channel\.mail_channel_[0-9A-F]+\.name\}$/)]);
      expect(p.documentation.mime_type).toBe('text/markdown');
      expect(p.alert_strategy).toEqual({ auto_close: '86400s' });
    });
  });

  test('an alert without channels, runbook or metric is refused', () => {
    const found = problems((stack) => {
      new ThresholdAlert(stack, 'a', {
        project: 'acme-data',
        displayName: 'x',
        filter: 'resource.type="gce_instance"',
        channels: [],
        runbook: ' ',
        windowSeconds: 5,
      });
      new CdcWorkerAlerts(stack, 'cdc', { project: 'acme-data', channels: [channel(stack)], maxStartsPerHour: 0, workers: [worker(stack)] });
    });
    expect(found).toEqual([
      '[test/a] channels: [] is not valid; allowed: at least one AlertChannel: an alert nobody receives is no alert',
      '[test/a] windowSeconds: 5 is not valid; allowed: an integer from 60 to 86400',
      '[test/a] filter: "resource.type=\\"gce_instance\\"" is not valid; allowed: a Monitoring filter naming metric.type',
      '[test/a] runbook: " " is not valid; allowed: what the person notified should do',
      '[test/cdc] maxStartsPerHour: 0 is not valid; allowed: an integer from 1 to 1000',
    ]);
  });

  test('audit #27: alerts watch the logs of the CdcWorkerServices given, and there are none without one', () => {
    const json = synth(
      (stack) =>
        new CdcWorkerAlerts(stack, 'cdc', { project: 'acme-data', channels: [channel(stack)], workers: [worker(stack, 'cdc-a'), worker(stack, 'cdc-b')] }),
    );
    expect(resources(json, 'google_logging_metric')[0].filter).toBe(
      'jsonPayload.service="cdc-worker" AND resource.type="cloud_run_revision" AND (resource.labels.service_name="cdc-a" OR resource.labels.service_name="cdc-b") AND severity>=ERROR',
    );
    expect(problems((stack) => new CdcWorkerAlerts(stack, 'cdc', { project: 'acme-data', channels: [channel(stack)], workers: [] }))).toEqual([
      '[test/cdc] workers: [] is not valid; allowed: at least one CdcWorkerService: alerts on a worker this app does not deploy can never fire',
    ]);
  });

  test('audit #27: each alert policy depends on its log-based metric, so it is created after the metric', () => {
    const json = synth((stack) => new CdcWorkerAlerts(stack, 'cdc', { project: 'acme-data', channels: [channel(stack)], workers: [worker(stack)] }));
    const policies = Object.values<any>(json.resource.google_monitoring_alert_policy);
    expect(policies.map((p) => [p.display_name, p.depends_on])).toEqual([
      ['CDC worker errors', [expect.stringMatching(/^google_logging_metric\.cdc_errors_metric_[0-9A-F]+$/)]],
      ['CDC worker restarting', [expect.stringMatching(/^google_logging_metric\.cdc_starts_metric_[0-9A-F]+$/)]],
      ['CDC worker slot not confirming', [expect.stringMatching(/^google_logging_metric\.cdc_slot-confirmed-flush-age_metric_[0-9A-F]+$/)]],
      ['CDC worker slot retains WAL', [expect.stringMatching(/^google_logging_metric\.cdc_slot-retained-wal_metric_[0-9A-F]+$/)]],
    ]);
  });

  test('issue 19: PostgreSQL workers get distributions of their replication slot status lines and an alert per worker on each', () => {
    const json = synth(
      (stack) =>
        new CdcWorkerAlerts(stack, 'cdc', {
          project: 'acme-data',
          channels: [channel(stack)],
          workers: [worker(stack)],
          maxRetainedWalBytes: 2147483648,
          maxConfirmedFlushAgeSeconds: 600,
        }),
    );
    const shop = 'jsonPayload.service="cdc-worker" AND resource.type="cloud_run_revision" AND resource.labels.service_name="cdc-shop"';
    // (synthesized in logical-id order: errors, the two slot metrics, starts)
    const metrics = ['cdc_worker_slot_retained_wal_bytes', 'cdc_worker_slot_confirmed_flush_age_seconds'].map((n) =>
      resources(json, 'google_logging_metric').find((m) => m.name === n),
    );
    expect(metrics.map((m) => [m.name, m.filter, m.value_extractor, m.label_extractors, m.metric_descriptor, m.bucket_options])).toEqual([
      [
        'cdc_worker_slot_retained_wal_bytes',
        `${shop} AND jsonPayload.msg="replication slot status"`,
        'EXTRACT(jsonPayload.retainedWalBytes)',
        { service: 'EXTRACT(resource.labels.service_name)' },
        { metric_kind: 'DELTA', value_type: 'DISTRIBUTION', unit: 'By', labels: [{ key: 'service', value_type: 'STRING' }] },
        { exponential_buckets: { scale: 1048576, growth_factor: 1.25, num_finite_buckets: 150 } },
      ],
      [
        'cdc_worker_slot_confirmed_flush_age_seconds',
        `${shop} AND jsonPayload.msg="replication slot status"`,
        'EXTRACT(jsonPayload.confirmedFlushAgeSeconds)',
        { service: 'EXTRACT(resource.labels.service_name)' },
        { metric_kind: 'DELTA', value_type: 'DISTRIBUTION', unit: 's', labels: [{ key: 'service', value_type: 'STRING' }] },
        { exponential_buckets: { scale: 1, growth_factor: 1.25, num_finite_buckets: 100 } },
      ],
    ]);
    const policies = ['CDC worker slot retains WAL', 'CDC worker slot not confirming'].map((n) =>
      resources(json, 'google_monitoring_alert_policy').find((p) => p.display_name === n),
    );
    expect(policies.map((p) => [p.display_name, p.conditions[0].condition_threshold])).toEqual([
      [
        'CDC worker slot retains WAL',
        expect.objectContaining({
          filter: expect.stringMatching(
            /^metric\.type="logging\.googleapis\.com\/user\/\$\{google_logging_metric\.cdc_slot-retained-wal_metric_[0-9A-F]+\.name\}"$/,
          ),
          comparison: 'COMPARISON_GT',
          threshold_value: 2147483648,
          aggregations: [{ alignment_period: '300s', per_series_aligner: 'ALIGN_PERCENTILE_99' }],
        }),
      ],
      [
        'CDC worker slot not confirming',
        expect.objectContaining({
          filter: expect.stringMatching(/slot-confirmed-flush-age_metric_[0-9A-F]+\.name\}"$/),
          threshold_value: 600,
          aggregations: [{ alignment_period: '300s', per_series_aligner: 'ALIGN_PERCENTILE_99' }],
        }),
      ],
    ]);
    expect(policies[0].documentation.content).toContain('more than 2147483648 bytes of WAL');
  });

  test('issue 19: no slot alerts for binlog readers only; bad thresholds are refused', () => {
    const mysqlWorker = (stack: any) =>
      new CdcWorkerService(stack, 'worker', {
        project: 'acme-data',
        region: 'us-central1',
        image: 'img:1',
        kafka: kafkaCluster(stack),
        database: mysqlSource(stack, { replicationPassword: SecretValue.fromSecretManager('shop-cdc') }),
        kafkaIdentity: { username: 'cdc-shop', password: SecretValue.fromSecretManager('kafka-cdc-shop') },
      });
    const json = synth((stack) => new CdcWorkerAlerts(stack, 'cdc', { project: 'acme-data', channels: [channel(stack)], workers: [mysqlWorker(stack)] }));
    expect(resources(json, 'google_monitoring_alert_policy').map((p) => p.display_name)).toEqual(['CDC worker errors', 'CDC worker restarting']);
    const found = problems(
      (stack) =>
        new CdcWorkerAlerts(stack, 'cdc', {
          project: 'acme-data',
          channels: [channel(stack)],
          workers: [worker(stack)],
          maxRetainedWalBytes: 1000,
          maxConfirmedFlushAgeSeconds: 5,
        }),
    );
    expect(found).toEqual([
      '[test/cdc] maxRetainedWalBytes: 1000 is not valid; allowed: an integer of bytes, at least 1048576 (1 MiB)',
      '[test/cdc] maxConfirmedFlushAgeSeconds: 5 is not valid; allowed: an integer from 60 to 86400',
    ]);
  });
});
