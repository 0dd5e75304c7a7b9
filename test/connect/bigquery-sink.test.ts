import { Construct } from 'constructs';
import { SecretValue } from '../../constructs/core/secret-value';
import { BigQuerySink } from '../../constructs/connect/bigquery-sink';
import { KafkaConnectCluster } from '../../constructs/connect/kafka-connect-cluster';
import { problems, resources, synth } from '../helpers';
import { kafkaCluster } from '../fixtures';

/** A Connect cluster whose workers have a Google service account (the sink writes as it). */
const cluster = (scope: Construct) =>
  new KafkaConnectCluster(scope, 'connect', {
    url: 'https://connect:8083',
    kafka: kafkaCluster(scope),
    kafkaCredentials: { username: 'connect', password: SecretValue.fromVariable('connect_password') },
    googleServiceAccount: 'connect-workers@acme-data.iam.gserviceaccount.com',
  });

describe('BigQuerySink partitioning', () => {
  // KCBQ (confluentinc/kafka-connect-bigquery, BigQuerySinkConfig): bigQueryPartitionDecorator
  // defaults to true, and PartitioningModeValidator, one of the multi-property validators that
  // BigQuerySinkConnector.validate runs on POST /connectors, refuses it together with
  // timestampPartitionFieldName: "Only one partitioning mode may be specified for the connector".
  test('audit #21: timestampPartitionFieldName turns the partition decorator off (KCBQ allows one partitioning mode)', () => {
    const json = synth((stack) => {
      new BigQuerySink(stack, 's', {
        cluster: cluster(stack),
        name: 'crm-bq',
        project: 'acme-data',
        defaultDataset: 'crm_cdc',
        topics: ['crm.public.contacts'],
        timestampPartitionFieldName: 'updated_at',
      });
    });
    const [c] = resources(json, 'kafka-connect_connector');
    expect(c.config).toMatchObject({ timestampPartitionFieldName: 'updated_at', bigQueryPartitionDecorator: 'false' });
  });

  test('audit #21: ingestion-time partitioning keeps the sink default (no decorator key written)', () => {
    const json = synth((stack) => {
      new BigQuerySink(stack, 's', { cluster: cluster(stack), name: 'bq', project: 'acme-data', defaultDataset: 'd', topics: ['t'] });
    });
    const [c] = resources(json, 'kafka-connect_connector');
    expect(c.config.bigQueryPartitionDecorator).toBeUndefined();
  });

  test('audit #21: asking for the decorator and a partition field at once is refused at synth', () => {
    const found = problems((stack) => {
      new BigQuerySink(stack, 's', {
        cluster: cluster(stack),
        name: 'bq',
        project: 'acme-data',
        defaultDataset: 'd',
        topics: ['t'],
        timestampPartitionFieldName: 'updated_at',
        extraConfig: { bigQueryPartitionDecorator: 'true' },
      });
    });
    expect(found).toEqual([
      '[test/s] extraConfig[\'bigQueryPartitionDecorator\']: "true" is not valid; allowed: false or unset with timestampPartitionFieldName: KCBQ accepts only one partitioning mode',
    ]);
  });
});
