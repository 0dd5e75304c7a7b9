import { Construct } from 'constructs';
import { KafkaConnectProvider } from '../../lib/providers/kafka-connect/provider';
import { SecretValue } from '../core/secret-value';
import { validateProps } from '../core/validation';
import { IKafkaPlatform } from '../kafka/kafka-platform';
import { IKafkaPrincipal } from '../kafka/kafka-principal';

/** SASL credentials connectors use for Kafka clients they open themselves (e.g. Debezium's schema history). */
export interface ConnectKafkaCredentials {
  /** User name. */
  readonly username: string;
  /** Password. */
  readonly password: SecretValue;
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
}

/**
 * A Kafka Connect cluster reached through its REST API with the `Mongey/kafka-connect`
 * provider. Connectors are created on it; its worker principal receives the ACLs they need.
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

  constructor(scope: Construct, id: string, props: KafkaConnectClusterProps) {
    super(scope, id);
    // Required props checked at run time too (plain JavaScript, ts-node --transpile-only).
    validateProps.required(this, props, { url: 'string', kafka: 'IKafkaPlatform' });
    this.url = props.url;
    this.kafka = props.kafka;
    this.principal = props.workerPrincipal ?? 'User:connect';
    this.kafkaCredentials = props.kafkaCredentials;
    validateProps(this, (p) => {
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
    });
    this.provider = new KafkaConnectProvider(this, 'provider', {
      alias: props.providerAlias,
      url: props.url,
      basicAuthUsername: props.basicAuthUsername,
      basicAuthPassword: props.basicAuthPassword?.resolve(this),
    });
  }

  /**
   * Client settings (plain and sensitive) a connector needs to open its own Kafka clients
   * under `prefix` (e.g. `schema.history.internal.producer.`).
   */
  public clientSettings(scope: Construct, prefix: string): { config: Record<string, string>; sensitive: Record<string, string> } {
    const config: Record<string, string> = {};
    const sensitive: Record<string, string> = {};
    const sasl = this.kafka.saslMechanism;
    const protocol = sasl ? (this.kafka.tlsEnabled ? 'SASL_SSL' : 'SASL_PLAINTEXT') : this.kafka.tlsEnabled ? 'SSL' : 'PLAINTEXT';
    config[`${prefix}security.protocol`] = protocol;
    if (sasl === 'OAUTHBEARER') {
      // Google Managed Kafka: Google credentials of the Connect workers, no password at all.
      config[`${prefix}sasl.mechanism`] = sasl;
      config[`${prefix}sasl.login.callback.handler.class`] = 'com.google.cloud.hosted.kafka.auth.GcpLoginCallbackHandler';
      sensitive[`${prefix}sasl.jaas.config`] = 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;';
    } else if (sasl && this.kafkaCredentials) {
      config[`${prefix}sasl.mechanism`] = sasl;
      const module = sasl.startsWith('SCRAM') ? 'org.apache.kafka.common.security.scram.ScramLoginModule' : 'org.apache.kafka.common.security.plain.PlainLoginModule';
      sensitive[`${prefix}sasl.jaas.config`] =
        `${module} required username="${this.kafkaCredentials.username}" password="${this.kafkaCredentials.password.resolve(scope)}";`;
    }
    return { config, sensitive };
  }
}
