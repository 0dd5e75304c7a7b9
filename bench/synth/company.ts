import { App, TerraformStack } from 'cdktf';
import { GoogleProvider } from '@cdktf/provider-google/lib/provider';
import { SecretValue } from '../../constructs/core/secret-value';
import { KafkaCluster } from '../../constructs/kafka/kafka-cluster';
import { KafkaConnectCluster } from '../../constructs/connect/kafka-connect-cluster';
import { ExternalSourceDatabase } from '../../constructs/sources/source-database';
import { SourceTable } from '../../constructs/sources/source-table';
import { DataDomain } from '../../constructs/decentralization/data-domain';
import { DecentralizedPlatform } from '../../constructs/decentralization/decentralized-platform';
import { BOOTSTRAP, CompanyShape, domainName, isFull, partialTopics, PROJECT, publisherOf, SOURCES_PER_FULL_DOMAIN, tableNames } from './shape';

/**
 * The company built with this library: a platform stack and one stack per domain, domains full and
 * partial side by side; each partial domain subscribes to the previous full domain's CDC product
 * (landed by the shared Connect cluster); each domain has a small access model.
 */
export function buildWithConstructs(app: App, shape: CompanyShape): TerraformStack[] {
  const platformStack = new TerraformStack(app, 'platform');
  new GoogleProvider(platformStack, 'google', { project: PROJECT, region: 'us-central1' });
  const kafka = new KafkaCluster(platformStack, 'kafka', {
    bootstrapServers: BOOTSTRAP,
    kafkaVersion: '3.9.0',
    brokerCount: 3,
    sasl: { username: 'terraform', password: SecretValue.fromVariable('kafka_admin_password') },
  });
  const connect = new KafkaConnectCluster(platformStack, 'connect', {
    url: 'https://connect.data.internal:8083',
    kafka,
    workerPrincipal: 'User:connect',
    kafkaCredentials: { username: 'connect', password: SecretValue.fromVariable('kafka_connect_password') },
  });
  const platform = new DecentralizedPlatform(platformStack, 'platform', { kafka, connect, project: PROJECT });
  const stacks = [platformStack];
  const perSource = Math.ceil(shape.tablesPerDomain / SOURCES_PER_FULL_DOMAIN);
  for (let i = 0; i < shape.domains; i++) {
    const name = domainName(i);
    const ds = name.replace(/-/g, '_');
    const stack = new TerraformStack(app, `domain-${name}`);
    new GoogleProvider(stack, 'google', { project: PROJECT, region: 'us-central1' });
    stacks.push(stack);
    const access = {
      principals: [
        { name: 'analysts', google: `group:${name}-analysts@acme.com` },
        { name: 'app', kafkaPrincipal: `User:${name}-app` },
      ],
      roles: [
        { name: 'analyst', grants: [{ dataset: isFull(i) ? `${ds}_src0` : `${ds}_mart` }] },
        { name: 'app', grants: [{ topicPrefix: `${name}.`, access: 'write' as const }] },
      ],
      teams: [
        { name: 'analytics', members: ['analysts'], roles: ['analyst'] },
        { name: 'apps', members: ['app'], roles: ['app'] },
      ],
    };
    if (isFull(i)) {
      const tables: SourceTable[] = tableNames(perSource).map((t) => ({ name: t, primaryKey: ['id'] }));
      const sources = Array.from(
        { length: SOURCES_PER_FULL_DOMAIN },
        (_, s) =>
          new ExternalSourceDatabase(stack, `src${s}`, {
            logicalName: `src${s}`,
            engine: 'postgres',
            host: `src${s}.${name}.internal`,
            databaseName: `src${s}`,
            tables,
            replicationPassword: SecretValue.fromVariable(`src${s}_cdc_password`),
          }),
      );
      new DataDomain(stack, name, {
        platform,
        name,
        mode: 'full',
        sources,
        connect: { url: `https://connect.${name}.internal:8083` },
        products: [{ name: 'cdc', topicPrefix: `${name}.src0.`, datasets: [`${ds}_src0`] }],
        access,
      });
    } else {
      new DataDomain(stack, name, {
        platform,
        name,
        mode: 'partial',
        datasets: [{ name: 'mart' }],
        topics: partialTopics(name, shape.tablesPerDomain).map((t) => ({ name: t })),
        subscriptions: [{ domain: domainName(publisherOf(i)), product: 'cdc' }],
        products: [{ name: 'events', topicPrefix: `${name}.events.` }],
        access,
      });
    }
  }
  return stacks;
}
