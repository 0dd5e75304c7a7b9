import { Construct } from 'constructs';
import { TerraformResource } from 'cdktf';
import { ProjectIamMember } from '@cdktf/provider-google/lib/project-iam-member';
import { KafkaConnectProvider } from '../../lib/providers/kafka-connect/provider';
import { SecretValue } from '../core/secret-value';
import { isIntIn, validateProps } from '../core/validation';
import { IKafkaPlatform } from '../kafka/kafka-platform';
import { IKafkaPrincipal } from '../kafka/kafka-principal';
import { KafkaTopic } from '../kafka/kafka-topic';
import { stableKey } from '../core/stable-key';

/** SASL credentials connectors use for Kafka clients they open themselves (e.g. Debezium's schema history). */
export interface ConnectKafkaCredentials {
  /** User name. */
  readonly username: string;
  /** Password. */
  readonly password: SecretValue;
}

/**
 * Where the workers read connector secrets: a directory of files, one per secret (for example
 * Secret Manager secrets mounted as files), read by Kafka's `DirectoryConfigProvider`.
 */
export interface ConnectSecretsOptions {
  /** Directory on every worker holding one file per secret, named as {@link KafkaConnectCluster.secretFileName} says. */
  readonly mountPath: string;
  /** Name of the config provider in the workers' `config.providers`. @default 'secrets' */
  readonly providerName?: string;
}

/** The Connect workers' own group and internal topics (distributed mode). */
export interface ConnectWorkerOptions {
  /** The workers' `group.id`. */
  readonly groupId: string;
  /** `config.storage.topic`: connector configs (one partition, compacted). */
  readonly configStorageTopic: string;
  /** `offset.storage.topic`: source offsets (compacted). */
  readonly offsetStorageTopic: string;
  /** `status.storage.topic`: connector and task status (compacted). */
  readonly statusStorageTopic: string;
  /** Partitions of the offset topic. @default 25 (Connect's default) */
  readonly offsetStoragePartitions?: number;
  /** Partitions of the status topic. @default 5 (Connect's default) */
  readonly statusStoragePartitions?: number;
  /** Replication factor of the three topics. @default the platform's defaultReplicationFactor */
  readonly replicationFactor?: number;
}

/** Props of {@link KafkaConnectCluster}. */
export interface KafkaConnectClusterProps {
  /** REST URL of the Connect cluster, e.g. `https://connect.internal:8083`. */
  readonly url: string;
  /** Kafka platform the Connect workers use. */
  readonly kafka: IKafkaPlatform;
  /** Kafka principal the Connect workers run as; ACLs for connectors are granted to it. @default 'User:connect' */
  readonly workerPrincipal?: string;
  /** Credentials for Kafka clients that connectors open themselves. @default none (the platform needs no SASL) */
  readonly kafkaCredentials?: ConnectKafkaCredentials;
  /** Basic-auth user for the REST API. @default no basic auth */
  readonly basicAuthUsername?: string;
  /** Basic-auth password for the REST API. @default no basic auth */
  readonly basicAuthPassword?: SecretValue;
  /** Provider alias, when a stack has several Connect clusters. @default no alias */
  readonly providerAlias?: string;
  /**
   * Read connector secrets on the workers through a config provider: connector configs then hold
   * `${<provider>:<mountPath>:<file>}` references, never the secret, so neither Connect's config
   * topic nor its REST API (`GET /connectors/<name>/config`) holds a secret.
   * @default none: secrets go to `config_sensitive`, which hides them from Terraform's output only
   */
  readonly secrets?: ConnectSecretsOptions;
  /**
   * The workers' group and internal topics: the topics are created (compacted) and the worker
   * principal gets exactly what Connect needs on them and on its group.
   * @default none: the workers' group and topics are managed elsewhere
   */
  readonly worker?: ConnectWorkerOptions;
  /**
   * Email of the Google service account the workers run as (their Application Default
   * Credentials). BigQuery sinks with `keySource: 'APPLICATION_DEFAULT'` write as it, so it is
   * what gets write on their datasets and BigQuery Job User; on Google Managed Kafka it is the
   * workers' Kafka identity and gets `roles/managedkafka.client`. Required for either.
   * @default none
   */
  readonly googleServiceAccount?: string;
  /**
   * Whether BigQuery sinks on this cluster grant its service account BigQuery Job User on their
   * project. False for a second declaration of the same workers in another stack, where the
   * first stack grants it (one binding, in one state).
   * @default true
   */
  readonly grantJobUser?: boolean;
}

/** Kafka's built-in provider that reads each key from a file of a directory. */
export const DIRECTORY_CONFIG_PROVIDER = 'org.apache.kafka.common.config.provider.DirectoryConfigProvider';

/** A config-provider reference as Kafka's `ConfigTransformer` matches it: `${provider:[path:]key}`. */
export const CONFIG_REFERENCE = /\$\{[^}:]+:(?:[^}:]*:)?[^}]*\}/;

/**
 * A Kafka Connect cluster reached through its REST API with the `Mongey/kafka-connect`
 * provider. Connectors are created on it; its worker principal receives the ACLs they need.
 *
 * **Secrets (`secrets`).** With `secrets: { mountPath: '/etc/kafka-connect/secrets' }`, every
 * secret a connector needs becomes a reference in its plain config, resolved on the worker by
 * Kafka's `DirectoryConfigProvider`:
 *
 * ```
 * database.password=${secrets:/etc/kafka-connect/secrets:mysql_cdc_password}
 * schema.history.internal.producer.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="connect" password="${secrets:/etc/kafka-connect/secrets:kafka_connect_password}";
 * ```
 *
 * The reference is `${<providerName>:<mountPath>:<file>}` (Kafka's `ConfigTransformer` pattern
 * `${provider:path:key}`; for the directory provider the path is the directory and the key the
 * file name). The file holds the secret's exact bytes (no trailing newline: the provider reads
 * the whole file). {@link secretFileName} names the file: a Secret Manager secret's id, or a
 * sensitive variable's name; {@link secretFiles} lists every file the workers must have. The
 * workers need these properties (all in {@link workerProperties}):
 *
 * ```
 * config.providers=secrets
 * config.providers.secrets.class=org.apache.kafka.common.config.provider.DirectoryConfigProvider
 * config.providers.secrets.param.allowed.paths=/etc/kafka-connect/secrets
 * ```
 *
 * Connect stores and returns the reference (`GET /connectors/<name>/config` shows
 * `${secrets:…}`); only tasks see the resolved value.
 *
 * **Workers (`worker`).** With `worker`, the cluster creates the three internal topics
 * (compacted; the config topic with one partition) and grants the worker principal Read, Write
 * and Describe on them and Read on its group, and {@link workerProperties} holds `group.id`,
 * the `*.storage.topic` names, partitions and replication factors.
 */
export class KafkaConnectCluster extends Construct implements IKafkaPrincipal {
  /** REST URL. */
  public readonly url: string;
  /** Kafka platform the workers use. */
  public readonly kafka: IKafkaPlatform;
  /** Principal of the workers, for ACLs. */
  public readonly principal: string;
  /** Credentials for connector-owned Kafka clients. */
  public readonly kafkaCredentials?: ConnectKafkaCredentials;
  /** The provider. */
  public readonly provider: KafkaConnectProvider;
  /** Where workers read connector secrets, if through a config provider. */
  public readonly secrets?: Required<ConnectSecretsOptions>;
  /** The workers' group and internal topics, if given. */
  public readonly worker?: ConnectWorkerOptions;
  /** The internal topics created for `worker`. */
  public readonly workerTopics: KafkaTopic[] = [];
  /** Resources connectors of this cluster are created after: the worker's internal topics and ACLs. */
  public readonly workerResources: TerraformResource[] = [];
  private readonly files = new Map<string, SecretValue>();
  private readonly fileClashes: string[] = [];
  private googleAccount?: string;
  private readonly grantsJobUser: boolean;

  constructor(scope: Construct, id: string, props: KafkaConnectClusterProps) {
    super(scope, id);
    // Required props checked at run time too (plain JavaScript, ts-node --transpile-only).
    validateProps.required(this, props, { url: 'string', kafka: 'IKafkaPlatform' });
    this.url = props.url;
    this.kafka = props.kafka;
    this.principal = props.workerPrincipal ?? 'User:connect';
    this.kafkaCredentials = props.kafkaCredentials;
    this.secrets = props.secrets ? { providerName: props.secrets.providerName ?? 'secrets', mountPath: props.secrets.mountPath } : undefined;
    this.worker = props.worker;
    this.grantsJobUser = props.grantJobUser ?? true;
    if (props.googleServiceAccount !== undefined) this.useGoogleServiceAccount(props.googleServiceAccount);
    validateProps(this, (p) => {
      if (props.kafka.platformKind === 'google-managed') {
        // Managed Kafka authenticates every client as a Google principal holding managedkafka.client.
        p.check(
          this.googleAccount !== undefined,
          'googleServiceAccount',
          undefined,
          "the email of the workers' Google service account: Google Managed Kafka accepts only clients authenticated as a Google principal with roles/managedkafka.client",
        );
      }
      p.check(/^https?:\/\/[^\s/]+(\/.*)?$/.test(props.url), 'url', props.url, 'an http:// or https:// URL of the Connect REST API');
      p.check(/^[A-Za-z]+:.+$/.test(this.principal), 'workerPrincipal', this.principal, "'Type:name', e.g. 'User:connect'");
      p.check(
        (props.basicAuthUsername === undefined) === (props.basicAuthPassword === undefined),
        'basicAuthUsername/basicAuthPassword',
        props.basicAuthUsername,
        'both or neither',
      );
      if (props.kafka.saslMechanism?.startsWith('SCRAM') && !props.kafkaCredentials) {
        p.add('kafkaCredentials', undefined, 'SASL credentials, because the Kafka platform uses ' + props.kafka.saslMechanism);
      }
      if (this.secrets) {
        p.check(
          /^\/[A-Za-z0-9._/-]*$/.test(this.secrets.mountPath),
          'secrets.mountPath',
          this.secrets.mountPath,
          "an absolute path of letters, digits, '.', '_', '-' and '/'",
        );
        p.check(/^[A-Za-z0-9_-]+$/.test(this.secrets.providerName), 'secrets.providerName', this.secrets.providerName, "letters, digits, '_' and '-'");
        for (const [file, secret] of this.files) {
          p.check(/^[A-Za-z0-9._-]+$/.test(file), 'secrets', secret.description, "a secret whose file name is letters, digits, '.', '_' and '-'");
        }
        for (const clash of this.fileClashes) p.add('secrets', clash, 'one secret per file name: two secrets would be read from the same file');
      }
      if (props.worker) {
        const w = props.worker;
        p.check(w.groupId.length > 0, 'worker.groupId', w.groupId, 'a non-empty group id');
        const names = [w.configStorageTopic, w.offsetStorageTopic, w.statusStorageTopic];
        p.check(new Set(names).size === 3, 'worker', names, 'three different topics for configs, offsets and status');
        p.check(isIntIn(w.offsetStoragePartitions ?? 25, 1), 'worker.offsetStoragePartitions', w.offsetStoragePartitions, 'an integer >= 1');
        p.check(isIntIn(w.statusStoragePartitions ?? 5, 1), 'worker.statusStoragePartitions', w.statusStoragePartitions, 'an integer >= 1');
      }
    });
    this.provider = new KafkaConnectProvider(this, 'provider', {
      alias: props.providerAlias,
      url: props.url,
      basicAuthUsername: props.basicAuthUsername,
      basicAuthPassword: props.basicAuthPassword?.resolve(this),
    });
    if (props.worker) this.addWorkerTopics(props.worker);
  }

  /**
   * The file a secret is read from on the workers: a Secret Manager secret's id (the last part of
   * `projects/<p>/secrets/<id>`), or a sensitive variable's name.
   */
  public static secretFileName(secret: SecretValue): string {
    const ref = secret.secretManagerRef;
    if (ref) return ref.secret.split('/').pop()!;
    const variable = /^sensitive variable var\.(.+)$/.exec(secret.description);
    return variable ? variable[1] : secret.description;
  }

  /**
   * The config-provider reference to `secret` (`${<providerName>:<mountPath>:<file>}`), and
   * records the file the workers must hold. Only with `secrets` set.
   */
  public secretReference(secret: SecretValue): string {
    if (!this.secrets) throw new Error(`${this.node.path}: secretReference needs the secrets prop (a config provider on the workers)`);
    const file = KafkaConnectCluster.secretFileName(secret);
    const known = this.files.get(file);
    if (known && known.description !== secret.description) this.fileClashes.push(`${known.description} / ${secret.description}`);
    else this.files.set(file, secret);
    return `\${${this.secrets.providerName}:${this.secrets.mountPath}:${file}}`;
  }

  /** Every file the workers' secrets directory must hold, by file name, with the secret it carries. */
  public get secretFiles(): Record<string, SecretValue> {
    return Object.fromEntries([...this.files.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }

  /**
   * The worker properties this cluster's connectors rely on, to merge into
   * `connect-distributed.properties`: the Kafka connection and credentials of the workers and of
   * the clients they open for connectors (`producer.`, `consumer.`, `admin.`), the config provider
   * (with `secrets`), and the group and internal topics (with `worker`). With `secrets`, the
   * workers' own password is a reference too; without, it reads `<sensitive variable var.…>`, to
   * be replaced by the secret where the workers are deployed.
   */
  public get workerProperties(): Record<string, string> {
    const props: Record<string, string> = { 'bootstrap.servers': this.kafka.bootstrapServers.join(',') };
    if (this.secrets) {
      const name = this.secrets.providerName;
      props['config.providers'] = name;
      props[`config.providers.${name}.class`] = DIRECTORY_CONFIG_PROVIDER;
      props[`config.providers.${name}.param.allowed.paths`] = this.secrets.mountPath;
    }
    // The workers' own clients, and those they open for connectors.
    for (const prefix of ['', 'producer.', 'consumer.', 'admin.']) {
      const client = this.clientSettings(this, prefix, { passwordPlaceholder: true });
      Object.assign(props, client.config, client.sensitive);
    }
    const w = this.worker;
    if (w) {
      const rf = String(w.replicationFactor ?? this.kafka.defaultReplicationFactor);
      Object.assign(props, {
        'group.id': w.groupId,
        'config.storage.topic': w.configStorageTopic,
        'config.storage.replication.factor': rf,
        'offset.storage.topic': w.offsetStorageTopic,
        'offset.storage.partitions': String(w.offsetStoragePartitions ?? 25),
        'offset.storage.replication.factor': rf,
        'status.storage.topic': w.statusStorageTopic,
        'status.storage.partitions': String(w.statusStoragePartitions ?? 5),
        'status.storage.replication.factor': rf,
      });
    }
    return props;
  }

  /**
   * Client settings (plain and sensitive) a connector needs to open its own Kafka clients
   * under `prefix` (e.g. `schema.history.internal.producer.`). With `secrets`, the password is a
   * config-provider reference and every setting is plain config.
   */
  public clientSettings(
    scope: Construct,
    prefix: string,
    options: { passwordPlaceholder?: boolean } = {},
  ): { config: Record<string, string>; sensitive: Record<string, string> } {
    const config: Record<string, string> = {};
    const sensitive: Record<string, string> = {};
    const sasl = this.kafka.saslMechanism;
    const protocol = sasl ? (this.kafka.tlsEnabled ? 'SASL_SSL' : 'SASL_PLAINTEXT') : this.kafka.tlsEnabled ? 'SSL' : 'PLAINTEXT';
    config[`${prefix}security.protocol`] = protocol;
    if (sasl === 'OAUTHBEARER') {
      // Google Managed Kafka: Google credentials of the Connect workers, no password at all.
      config[`${prefix}sasl.mechanism`] = sasl;
      config[`${prefix}sasl.login.callback.handler.class`] = 'com.google.cloud.hosted.kafka.auth.GcpLoginCallbackHandler';
      (this.secrets ? config : sensitive)[`${prefix}sasl.jaas.config`] = 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;';
    } else if (sasl && this.kafkaCredentials) {
      config[`${prefix}sasl.mechanism`] = sasl;
      const module = sasl.startsWith('SCRAM')
        ? 'org.apache.kafka.common.security.scram.ScramLoginModule'
        : 'org.apache.kafka.common.security.plain.PlainLoginModule';
      const jaas = (password: string) => `${module} required username="${this.kafkaCredentials!.username}" password="${password}";`;
      const password = this.kafkaCredentials.password;
      if (this.secrets) config[`${prefix}sasl.jaas.config`] = jaas(this.secretReference(password));
      else if (options.passwordPlaceholder) config[`${prefix}sasl.jaas.config`] = jaas(`<${password.description}>`);
      else sensitive[`${prefix}sasl.jaas.config`] = jaas(password.resolve(scope));
    }
    return { config, sensitive };
  }

  /** Email of the Google service account the workers run as, if known. */
  public get googleServiceAccount(): string | undefined {
    return this.googleAccount;
  }

  /** IAM member of the workers' Google service account (`serviceAccount:<email>`), if known. */
  public get googleMember(): string | undefined {
    return this.googleAccount === undefined ? undefined : `serviceAccount:${this.googleAccount}`;
  }

  /**
   * Sets the workers' Google service account when the cluster was declared without one (e.g. by
   * the platform that creates the account). BigQuery sinks created on the cluster before this
   * call do not see it and report so at synth.
   */
  public useGoogleServiceAccount(email: string): void {
    if (this.googleAccount !== undefined) {
      if (this.googleAccount !== email) throw new Error(`${this.node.path}: the Connect workers already run as ${this.googleAccount}`);
      return;
    }
    this.googleAccount = email;
    if (this.kafka.platformKind === 'google-managed') {
      const cluster = (this.kafka as unknown as { cluster?: { project: string } }).cluster;
      new ProjectIamMember(this, 'managed-kafka-client', { project: cluster!.project, role: 'roles/managedkafka.client', member: this.googleMember! });
    }
  }

  /**
   * Grants the workers' service account BigQuery Job User on `project`, once (BigQuery sinks call
   * this for the project they write to). Nothing without an account, or with `grantJobUser: false`.
   */
  public grantBigQueryJobUser(project: string): void {
    if (!this.googleMember || !this.grantsJobUser) return;
    const id = `bigquery-job-user-${stableKey(this, project)}`;
    if (this.node.tryFindChild(id)) return;
    new ProjectIamMember(this, id, { project, role: 'roles/bigquery.jobUser', member: this.googleMember });
  }

  private addWorkerTopics(w: ConnectWorkerOptions): void {
    const topics: [string, string, number][] = [
      ['config', w.configStorageTopic, 1],
      ['offset', w.offsetStorageTopic, w.offsetStoragePartitions ?? 25],
      ['status', w.statusStorageTopic, w.statusStoragePartitions ?? 5],
    ];
    for (const [kind, name, partitions] of topics) {
      const topic = new KafkaTopic(this, `worker-${kind}-topic`, {
        platform: this.kafka,
        name,
        partitions,
        replicationFactor: w.replicationFactor,
        config: { cleanupPolicy: 'compact' },
      });
      this.workerTopics.push(topic);
      // Connect reads each topic back from the start, and writes to it.
      const produce = topic.grantProduce(this.principal);
      const consume = topic.grantConsume(this.principal, { group: w.groupId });
      // Connect checks each topic's cleanup policy through the admin client at start.
      const describe = topic.grantDescribeConfigs(this.principal);
      this.workerResources.push(topic.resource, ...produce.resources, ...consume.resources, ...describe.resources);
    }
    this.workerResources.splice(0, this.workerResources.length, ...new Set(this.workerResources));
  }
}
