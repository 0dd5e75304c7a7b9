import { Construct } from 'constructs';
import { dependable, TerraformResource } from 'cdktf';
import { Connector as ConnectorResource } from '../../lib/providers/kafka-connect/connector';
import { SecretValue } from '../core/secret-value';
import { isIntIn, Problems, validateProps } from '../core/validation';
import { KafkaConnectCluster } from './kafka-connect-cluster';

/** Props of {@link Connector}. */
export interface ConnectorProps {
  /** Connect cluster that runs the connector. */
  readonly cluster: KafkaConnectCluster;
  /** Connector name, unique in the Connect cluster. Letters, digits, '.', '_' and '-'. */
  readonly name: string;
  /** Fully qualified connector class. */
  readonly connectorClass: string;
  /** Maximum tasks. @default 1 */
  readonly tasksMax?: number;
  /** Plain configuration. Keys that look secret (password, secret, jaas, credentials, keyfile) are refused here. @default none */
  readonly config?: Record<string, string>;
  /** Secret configuration; written to `config_sensitive`, never to plain config. @default none */
  readonly sensitiveConfig?: Record<string, SecretValue>;
}

/** Config keys that hold secrets and so must go through `config_sensitive`. */
export const SECRET_KEY_PATTERN = /(password|secret|jaas|credentials|keyfile|private\.key|token|api\.key)/i;

/** Connector names Connect accepts in URLs without trouble. */
export const CONNECTOR_NAME = /^[A-Za-z0-9._-]{1,249}$/;

/**
 * Any Kafka Connect connector (`kafka-connect_connector`). `name`, `connector.class` and
 * `tasks.max` are set from props so that the merged config always names the connector as the
 * resource does; secrets go only to `config_sensitive`.
 */
export class Connector extends Construct {
  /** Connector name. */
  public readonly name: string;
  /** Connector class. */
  public readonly connectorClass: string;
  /** The plain config as sent to Connect (without sensitive keys). */
  public readonly config: Record<string, string>;
  /** Names of the sensitive keys. */
  public readonly sensitiveKeys: string[];
  /** The Terraform resource. */
  public readonly resource: ConnectorResource;

  constructor(scope: Construct, id: string, props: ConnectorProps & { readonly rawSensitiveConfig?: Record<string, string> }) {
    super(scope, id);
    // Required props checked at run time too (plain JavaScript, ts-node --transpile-only).
    validateProps.required(this, props, { cluster: 'KafkaConnectCluster', name: 'string', connectorClass: 'string' });
    this.name = props.name;
    this.connectorClass = props.connectorClass;
    const tasksMax = props.tasksMax ?? 1;
    const given = props.config ?? {};
    this.config = { ...given, name: props.name, 'connector.class': props.connectorClass, 'tasks.max': String(tasksMax) };
    const sensitive: Record<string, string> = { ...(props.rawSensitiveConfig ?? {}) };
    for (const [key, secret] of Object.entries(props.sensitiveConfig ?? {})) sensitive[key] = secret.resolve(this);
    this.sensitiveKeys = Object.keys(sensitive).sort();
    validateProps(this, (p) => Connector.check(p, props, given, tasksMax, this.sensitiveKeys));
    this.resource = new ConnectorResource(this, 'connector', {
      provider: props.cluster.provider,
      name: props.name,
      config: this.config,
      configSensitive: this.sensitiveKeys.length > 0 ? sensitive : undefined,
    });
  }

  /**
   * Makes Terraform create this connector only after `resources` (and destroy it before them),
   * e.g. the topics it writes: a connector started first may create a topic itself with
   * broker defaults, and Terraform's create of that topic then fails.
   */
  public addDependency(...resources: TerraformResource[]): void {
    const fqns = resources.map((r) => dependable(r));
    this.resource.dependsOn = [...new Set([...(this.resource.dependsOn ?? []), ...fqns])];
  }

  private static check(p: Problems, props: ConnectorProps, given: Record<string, string>, tasksMax: number, sensitiveKeys: string[]): void {
    p.check(CONNECTOR_NAME.test(props.name), 'name', props.name, "1-249 letters, digits, '.', '_' or '-'");
    p.check(/^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)+$/.test(props.connectorClass), 'connectorClass', props.connectorClass, 'a fully qualified Java class name');
    p.check(isIntIn(tasksMax, 1, 1000), 'tasksMax', tasksMax, 'an integer from 1 to 1000');
    if (given.name !== undefined && given.name !== props.name) {
      p.add("config['name']", given.name, `omit it or use the connector name ${JSON.stringify(props.name)}: Connect requires them equal`);
    }
    for (const key of ['connector.class', 'tasks.max']) {
      if (given[key] !== undefined) p.add(`config['${key}']`, given[key], `omit it; set ${key === 'tasks.max' ? 'tasksMax' : 'connectorClass'} instead`);
    }
    for (const [key, value] of Object.entries(given)) {
      if (SECRET_KEY_PATTERN.test(key) && !/\.(file|location|type|mechanism|source|provider|class|mode)$/i.test(key) && !/^\$\{file:/.test(value)) {
        p.add(`config['${key}']`, '(hidden)', 'no secret in plain config: pass it in sensitiveConfig as a SecretValue');
      }
      if (typeof value !== 'string') p.add(`config['${key}']`, value, 'a string value');
    }
    for (const key of sensitiveKeys) {
      if (given[key] !== undefined) p.add(`config['${key}']`, '(hidden)', 'each key in config or sensitiveConfig, not both');
    }
  }
}
