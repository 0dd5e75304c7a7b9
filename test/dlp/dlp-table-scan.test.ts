import { WarehouseDataset } from '../../constructs/bigquery/warehouse-dataset';
import { DlpFindings } from '../../constructs/dlp/dlp-findings';
import { DlpInspectTemplate } from '../../constructs/dlp/dlp-inspect-template';
import { DlpTableScan } from '../../constructs/dlp/dlp-table-scan';
import { problems, resources, synth } from '../helpers';

describe('DlpTableScan and DlpFindings', () => {
  const build = (stack: any, expectSensitive: boolean) => {
    const inspect = new DlpInspectTemplate(stack, 'inspect', { project: 'acme-data', templateId: 'warehouse' });
    const findings = new DlpFindings(stack, 'findings', { project: 'acme-data' });
    const dataset = new WarehouseDataset(stack, 'ds', { project: 'acme-data', datasetId: 'monolith_cdc' });
    new DlpTableScan(stack, 'scan', {
      project: 'acme-data',
      inspectTemplate: inspect,
      dataset,
      tableId: 'monolith_wepay_users',
      expectSensitive,
      findings,
      identifyingFields: ['id'],
    });
  };

  test('a daily sampled scan saving findings to BigQuery and notifying Pub/Sub', () => {
    const json = synth((stack) => build(stack, true));
    const [trigger] = resources(json, 'google_data_loss_prevention_job_trigger');
    expect(trigger).toMatchObject({
      parent: 'projects/acme-data/locations/global',
      trigger_id: 'scan-monolith_cdc-monolith_wepay_users',
      status: 'HEALTHY',
      triggers: [{ schedule: { recurrence_period_duration: '86400s' } }],
      inspect_job: {
        inspect_template_name: expect.stringMatching(/^\$\{google_data_loss_prevention_inspect_template\.inspect_template_[0-9A-F]+\.name\}$/),
        storage_config: {
          big_query_options: {
            table_reference: {
              project_id: 'acme-data',
              dataset_id: expect.stringMatching(/^\$\{google_bigquery_dataset\.ds_dataset_[0-9A-F]+\.dataset_id\}$/),
              table_id: 'monolith_wepay_users',
            },
            rows_limit_percent: 10,
            sample_method: 'RANDOM_START',
            identifying_fields: [{ name: 'id' }],
          },
        },
      },
    });
    expect(trigger.inspect_job.actions).toEqual([
      {
        save_findings: {
          output_config: {
            table: {
              project_id: 'acme-data',
              dataset_id: expect.stringMatching(/^\$\{google_bigquery_dataset\.findings_dataset_[0-9A-F]+\.dataset_id\}$/),
              table_id: 'findings',
            },
            output_schema: 'BASIC_COLUMNS',
          },
        },
      },
      { pub_sub: { topic: 'projects/acme-data/topics/dlp-findings' } },
    ]);
  });

  test('a table expected to be clean also publishes finding counts to Cloud Monitoring', () => {
    const json = synth((stack) => build(stack, false));
    expect(resources(json, 'google_data_loss_prevention_job_trigger')[0].inspect_job.actions).toContainEqual({ publish_to_stackdriver: {} });
  });

  test('the DLP service agent may write findings and publish, nothing else', () => {
    const json = synth((stack) => build(stack, true));
    const agent = expect.stringMatching(
      /^serviceAccount:service-\$\{data\.google_project\.findings_project_[0-9A-F]+\.number\}@dlp-api\.iam\.gserviceaccount\.com$/,
    );
    expect(resources(json, 'google_bigquery_dataset_iam_member')).toEqual([expect.objectContaining({ role: 'roles/bigquery.dataEditor', member: agent })]);
    expect(resources(json, 'google_pubsub_topic_iam_member')).toEqual([expect.objectContaining({ role: 'roles/pubsub.publisher', member: agent })]);
    expect(resources(json, 'google_pubsub_topic')).toEqual([expect.objectContaining({ name: 'dlp-findings', project: 'acme-data' })]);
    const datasets = resources(json, 'google_bigquery_dataset').map((d) => [d.dataset_id, d.labels, d.default_partition_expiration_ms]);
    expect(datasets).toContainEqual(['dlp_findings', { owner: 'data-governance', classification: 'confidential' }, 365 * 86400000]);
  });

  test('audit #18: grants to the lazily created DLP service agent wait for the first DLP resource, and the scan waits for the grants', () => {
    const json = synth((stack) => {
      const inspect = new DlpInspectTemplate(stack, 'inspect', { project: 'acme-data', templateId: 'warehouse' });
      const findings = new DlpFindings(stack, 'findings', { project: 'acme-data', grantsAfter: [inspect.template] });
      const dataset = new WarehouseDataset(stack, 'ds', { project: 'acme-data', datasetId: 'monolith_cdc' });
      new DlpTableScan(stack, 'scan', { project: 'acme-data', inspectTemplate: inspect, dataset, tableId: 't', expectSensitive: true, findings });
    });
    const template = expect.stringMatching(/^google_data_loss_prevention_inspect_template\.inspect_template_[0-9A-F]+$/);
    expect(resources(json, 'google_bigquery_dataset_iam_member')[0].depends_on).toEqual([template]);
    expect(resources(json, 'google_pubsub_topic_iam_member')[0].depends_on).toEqual([template]);
    expect(resources(json, 'google_data_loss_prevention_job_trigger')[0].depends_on.sort()).toEqual([
      expect.stringMatching(
        /^google_bigquery_dataset_iam_member\.findings_dataset_write-serviceAccount_service-_data_google_project_findings_project_[0-9A-F]+_number_dlp-api_iam_gserviceaccount_com_[0-9A-F]+$/,
      ),
      expect.stringMatching(/^google_pubsub_topic_iam_member\.findings_dlp-publisher_[0-9A-F]+$/),
    ]);
  });

  test('refuses schedules DLP does not accept and bad sampling', () => {
    const found = problems((stack) => {
      const inspect = new DlpInspectTemplate(stack, 'inspect', { project: 'acme-data', templateId: 'w' });
      const dataset = new WarehouseDataset(stack, 'ds', { project: 'acme-data', datasetId: 'd' });
      new DlpTableScan(stack, 'scan', {
        project: 'acme-data',
        inspectTemplate: inspect,
        dataset,
        tableId: 't',
        expectSensitive: true,
        everyHours: 1,
        rowsPercent: 0,
      });
    });
    expect(found).toEqual([
      '[test/scan] everyHours: 1 is not valid; allowed: an integer from 24 to 1440 (one to sixty days)',
      '[test/scan] rowsPercent: 0 is not valid; allowed: an integer from 1 to 100',
    ]);
  });
});
