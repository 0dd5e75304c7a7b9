import { Construct } from 'constructs';
import { App, TerraformStack, TerraformVariable } from 'cdktf';
import { GoogleProvider } from '@cdktf/provider-google/lib/provider';
import { BigqueryDataset } from '@cdktf/provider-google/lib/bigquery-dataset';
import { BigqueryDatasetIamMember } from '@cdktf/provider-google/lib/bigquery-dataset-iam-member';
import { ServiceAccount } from '@cdktf/provider-google/lib/service-account';
import { ProjectIamMember } from '@cdktf/provider-google/lib/project-iam-member';
import { KafkaProvider } from '../../lib/providers/kafka/provider';
import { Topic } from '../../lib/providers/kafka/topic';
import { Acl } from '../../lib/providers/kafka/acl';
import { UserScramCredential } from '../../lib/providers/kafka/user-scram-credential';
import { KafkaConnectProvider } from '../../lib/providers/kafka-connect/provider';
import { Connector } from '../../lib/providers/kafka-connect/connector';
import { BOOTSTRAP, CompanyShape, domainName, isFull, partialTopics, PROJECT, publisherOf, SOURCES_PER_FULL_DOMAIN, tableNames } from './shape';

/**
 * The same company as `buildWithConstructs` (company.ts), written directly with the L1 provider classes:
 * every resource, attribute and cross-stack reference spelled out by hand, as a team without the
 * library would. run.ts checks that both produce the same resources.
 */
export function buildWithL1(app: App, shape: CompanyShape, options: { connectorsDependOnTopics?: boolean } = {}): TerraformStack[] {
  const secret = (stack: TerraformStack, name: string, description = 'Secret given at plan time; never stored in the synthesized configuration.') => {
    const v = new TerraformVariable(stack, `secret-var-${name}`, { type: 'string', sensitive: true, nullable: false, description });
    v.overrideLogicalId(name);
    return v.stringValue;
  };
  let n = 0;
  const id = () => `r${n++}`;
  const acl = (
    scope: Construct,
    provider: KafkaProvider,
    principal: string,
    operation: string,
    resourceType: string,
    resourceName: string,
    patternType: string,
  ) =>
    new Acl(scope, id(), {
      provider,
      aclPrincipal: principal,
      aclHost: '*',
      aclOperation: operation,
      aclPermissionType: 'Allow',
      resourceType,
      resourceName,
      resourcePatternTypeFilter: patternType,
    });
  const account = (scope: Construct, accountId: string, displayName: string) => {
    const sa = new ServiceAccount(scope, id(), { project: PROJECT, accountId, displayName });
    const member = `serviceAccount:${sa.email}`;
    new ProjectIamMember(scope, id(), { project: PROJECT, role: 'roles/bigquery.jobUser', member });
    return member;
  };
  const dataset = (scope: Construct, datasetId: string, description: string, labels: Record<string, string>) =>
    new BigqueryDataset(scope, id(), {
      project: PROJECT,
      datasetId,
      location: 'US',
      description,
      labels,
      deleteContentsOnDestroy: false,
      lifecycle: { preventDestroy: true },
    });
  const grant = (scope: Construct, ds: BigqueryDataset, role: string, member: string) =>
    new BigqueryDatasetIamMember(scope, id(), { project: PROJECT, datasetId: ds.datasetId, role, member });
  const sinkConfig = (name: string, datasetId: string, topics: Record<string, string>) => ({
    project: PROJECT,
    defaultDataset: datasetId,
    keySource: 'APPLICATION_DEFAULT',
    autoCreateTables: 'true',
    allowNewBigQueryFields: 'true',
    allowBigQueryRequiredFieldRelaxation: 'true',
    sanitizeTopics: 'true',
    ...topics,
    upsertEnabled: 'true',
    deleteEnabled: 'true',
    mergeIntervalMs: '60000',
    kafkaKeyFieldName: 'kafka_key',
    transforms: 'unwrap',
    'transforms.unwrap.type': 'io.debezium.transforms.ExtractNewRecordState',
    'transforms.unwrap.delete.tombstone.handling.mode': 'tombstone',
    'transforms.unwrap.add.fields': 'op,source.ts_ms',
    name,
    'connector.class': 'com.wepay.kafka.connect.bigquery.BigQuerySinkConnector',
    'tasks.max': '1',
  });

  // The platform.
  const platform = new TerraformStack(app, 'platform');
  new GoogleProvider(platform, 'google', { project: PROJECT, region: 'us-central1' });
  const kafka = new KafkaProvider(platform, id(), {
    bootstrapServers: BOOTSTRAP,
    kafkaVersion: '3.9.0',
    tlsEnabled: true,
    saslMechanism: 'scram-sha512',
    saslUsername: 'terraform',
    saslPassword: secret(platform, 'kafka_admin_password'),
  });
  new KafkaConnectProvider(platform, id(), { url: 'https://connect.data.internal:8083' });
  const sharedConnect = account(platform, 'shared-connect', 'Shared Kafka Connect workers of the data platform');
  const stacks = [platform];
  const perSource = Math.ceil(shape.tablesPerDomain / SOURCES_PER_FULL_DOMAIN);
  const cdcDatasets: BigqueryDataset[] = [];
  const domainKafka: KafkaProvider[] = [];
  const domainStacks: TerraformStack[] = [];
  const subscribedGroups = new Map<number, Set<string>>();

  for (let i = 0; i < shape.domains; i++) {
    const name = domainName(i);
    const ds = name.replace(/-/g, '_');
    const namespaces = isFull(i) ? [`${name}.`, `__debezium-heartbeat.${name}.`, `schema-history.${name}.`] : [`${name}.`];
    // The platform's deployer user and ACLs for the domain.
    new UserScramCredential(platform, id(), {
      provider: kafka,
      username: `${name}-deployer`,
      scramMechanism: 'SCRAM-SHA-512',
      scramIterations: 8192,
      password: secret(platform, `${ds}_deployer_kafka_password`, `Kafka password of the ${name} domain's deployer`),
    });
    const deployer = `User:${name}-deployer`;
    for (const x of namespaces) acl(platform, kafka, deployer, 'All', 'Topic', x, 'Prefixed');
    acl(platform, kafka, deployer, 'All', 'Group', `${name}.`, 'Prefixed');
    acl(platform, kafka, deployer, 'Alter', 'Cluster', 'kafka-cluster', 'Literal');
    acl(platform, kafka, deployer, 'Describe', 'Cluster', 'kafka-cluster', 'Literal');

    // The domain's stack.
    const stack = new TerraformStack(app, `domain-${name}`);
    stacks.push(stack);
    domainStacks.push(stack);
    new GoogleProvider(stack, 'google', { project: PROJECT, region: 'us-central1' });
    const k = new KafkaProvider(stack, id(), {
      bootstrapServers: BOOTSTRAP,
      kafkaVersion: '3.9.0',
      tlsEnabled: true,
      saslMechanism: 'scram-sha512',
      saslUsername: `${name}-deployer`,
      saslPassword: secret(stack, 'kafka_deployer_password', `Kafka password of the ${name} domain's deployer`),
    });
    domainKafka.push(k);
    new UserScramCredential(stack, id(), {
      provider: k,
      username: name,
      scramMechanism: 'SCRAM-SHA-512',
      scramIterations: 8192,
      password: secret(stack, `${ds}_kafka_password`, `Kafka password of the ${name} domain`),
    });
    const user = `User:${name}`;
    for (const op of ['Write', 'Read', 'Describe']) acl(stack, k, user, op, 'Topic', `${name}.`, 'Prefixed');
    acl(stack, k, user, 'Read', 'Group', `${name}.`, 'Prefixed');
    const domainMember = account(stack, `${name}-domain`, `Workloads of the ${name} domain`);
    const labels = { owner: name, domain: name, classification: 'internal' };
    const datasets: BigqueryDataset[] = [];
    const app_ = `User:${name}-app`;

    if (isFull(i)) {
      new UserScramCredential(stack, id(), {
        provider: k,
        username: `${name}-connect`,
        scramMechanism: 'SCRAM-SHA-512',
        scramIterations: 8192,
        password: secret(stack, `${ds}_connect_kafka_password`, `Kafka password of the ${name} domain's Connect workers`),
      });
      const connect = new KafkaConnectProvider(stack, id(), { url: `https://connect.${name}.internal:8083` });
      const connectMember = account(stack, `${name}-connect`, `Kafka Connect workers of the ${name} domain`);
      const worker = `User:${name}-connect`;
      const pipelineDatasets: BigqueryDataset[] = [];
      for (let s = 0; s < SOURCES_PER_FULL_DOMAIN; s++) {
        const prefix = `${name}.src${s}`;
        const prefixId = prefix.toLowerCase().replace(/[^a-z0-9_]/g, '_');
        const qualified = tableNames(perSource).map((t) => `public.${t}`);
        const topics = qualified.map((t) => `${prefix}.${t}`);
        const topicResources = topics.map(
          (t) =>
            new Topic(stack, id(), {
              provider: k,
              name: t,
              partitions: 6,
              replicationFactor: 3,
              config: { 'max.compaction.lag.ms': '604800000', 'cleanup.policy': 'compact', 'min.insync.replicas': '2' },
            }),
        );
        acl(stack, k, worker, 'Write', 'Topic', `${prefix}.`, 'Prefixed');
        acl(stack, k, worker, 'Describe', 'Topic', `${prefix}.`, 'Prefixed');
        const heartbeat = new Topic(stack, id(), {
          provider: k,
          name: `__debezium-heartbeat.${prefix}`,
          partitions: 1,
          replicationFactor: 3,
          config: { 'cleanup.policy': 'delete', 'retention.ms': '86400000' },
        });
        new Connector(stack, id(), {
          provider: connect,
          // Connectors start after the topics they write exist (when the constructs do so too).
          dependsOn: options.connectorsDependOnTopics ? [...topicResources, heartbeat] : undefined,
          name: `${prefix}-postgres-source`,
          config: {
            'database.hostname': `src${s}.${name}.internal`,
            'database.port': '5432',
            'database.user': 'cdc',
            'database.dbname': `src${s}`,
            'topic.prefix': prefix,
            'plugin.name': 'pgoutput',
            'slot.name': `${prefixId}_debezium`,
            'publication.name': `${prefixId}_publication`,
            'publication.autocreate.mode': 'filtered',
            'table.include.list': qualified.join(','),
            'snapshot.mode': 'initial',
            'tombstones.on.delete': 'true',
            'decimal.handling.mode': 'precise',
            'heartbeat.interval.ms': '10000',
            name: `${prefix}-postgres-source`,
            'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
            'tasks.max': '1',
          },
          configSensitive: { 'database.password': secret(stack, `src${s}_cdc_password`) },
        });
        acl(stack, k, worker, 'Write', 'Topic', `__debezium-heartbeat.${prefix}`, 'Literal');
        acl(stack, k, worker, 'Describe', 'Topic', `__debezium-heartbeat.${prefix}`, 'Literal');
        const d = dataset(stack, `${ds}_src${s}`, `Change data captured from postgres database src${s}`, { stage: 'realtime', source: `src${s}`, ...labels });
        const sinkName = `${prefix}-bigquery-sink`;
        new Connector(stack, id(), {
          provider: connect,
          name: sinkName,
          config: sinkConfig(sinkName, `${ds}_src${s}`, { topics: topics.join(',') }),
          dependsOn: options.connectorsDependOnTopics ? topicResources : undefined,
        });
        // Describe on the prefix is already written above, for the capture: one resource per ACL entry.
        acl(stack, k, worker, 'Read', 'Topic', `${prefix}.`, 'Prefixed');
        acl(stack, k, worker, 'Read', 'Group', `connect-${sinkName}`, 'Literal');
        pipelineDatasets.push(d);
      }
      for (const d of pipelineDatasets) grant(stack, d, 'roles/bigquery.dataEditor', connectMember);
      datasets.push(...pipelineDatasets);
      cdcDatasets[i] = pipelineDatasets[0];
    } else {
      const mart = dataset(stack, `${ds}_mart`, `mart of the ${name} domain`, labels);
      const landing = dataset(stack, `${ds}_subscriptions`, `Data products the ${name} domain subscribes to, landed from Kafka`, labels);
      // The platform's shared Connect account, by cross-stack reference.
      grant(stack, landing, 'roles/bigquery.dataEditor', sharedConnect);
      datasets.push(mart, landing);
      for (const t of partialTopics(name, shape.tablesPerDomain)) new Topic(stack, id(), { provider: k, name: t, partitions: 6, replicationFactor: 3 });
      // The subscription to the previous full domain's CDC product: landed here, granted in the publisher's stack.
      const p = publisherOf(i);
      const pub = domainName(p);
      const connect = new KafkaConnectProvider(stack, id(), { url: 'https://connect.data.internal:8083' });
      const sinkName = `${name}-${pub}-cdc-sink`;
      const regex = `${pub}\\.src0\\..*`;
      new Connector(stack, id(), { provider: connect, name: sinkName, config: sinkConfig(sinkName, `${ds}_subscriptions`, { 'topics.regex': regex }) });
      const pk = domainKafka[p];
      const pubStack = domainStacks[p];
      acl(pubStack, pk, user, 'Read', 'Topic', `${pub}.src0.`, 'Prefixed');
      acl(pubStack, pk, user, 'Describe', 'Topic', `${pub}.src0.`, 'Prefixed');
      const seen = subscribedGroups.get(p) ?? new Set<string>();
      subscribedGroups.set(p, seen);
      for (const [op, type, res, pat] of [
        ['Read', 'Topic', `${pub}.src0.`, 'Prefixed'],
        ['Describe', 'Topic', `${pub}.src0.`, 'Prefixed'],
        ['Read', 'Group', `connect-${sinkName}`, 'Literal'],
      ]) {
        if (seen.has(`${op} ${type} ${res}`)) continue;
        seen.add(`${op} ${type} ${res}`);
        acl(pubStack, pk, 'User:connect', op, type, res, pat);
      }
      grant(pubStack, cdcDatasets[p], 'roles/bigquery.dataViewer', `serviceAccount:${name}-domain@${PROJECT}.iam.gserviceaccount.com`);
    }
    for (const d of datasets) grant(stack, d, 'roles/bigquery.dataEditor', domainMember);
    // The domain's access model: analysts read one dataset, the app writes the namespace.
    grant(stack, datasets[0], 'roles/bigquery.dataViewer', `group:${name}-analysts@acme.com`);
    acl(stack, k, app_, 'Write', 'Topic', `${name}.`, 'Prefixed');
    acl(stack, k, app_, 'Describe', 'Topic', `${name}.`, 'Prefixed');
  }
  return stacks;
}
