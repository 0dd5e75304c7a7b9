import { Construct } from 'constructs';
import { dependable, ITerraformDependable, TerraformStack } from 'cdktf';
import { Connector as ConnectorResource } from '../../lib/providers/kafka-connect/connector';
import { SecretValue } from '../core/secret-value';
import { isIntIn, Problems, validateProps } from '../core/validation';
import { CONFIG_REFERENCE, KafkaConnectCluster } from './kafka-connect-cluster';

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
  /**
   * Secret configuration. When the cluster reads secrets through a config provider (its `secrets`
   * prop), each value becomes a reference in plain config (`${secrets:<dir>:<file>}`) and the
   * secret never reaches Connect; otherwise it goes to `config_sensitive`, never to plain config.
   * @default none
   */
  readonly sensitiveConfig?: Record<string, SecretValue>;
}

/** Config keys that hold secrets and so must go through `config_sensitive`. */
export const SECRET_KEY_PATTERN = /(password|secret|jaas|credentials|keyfile|private\.key|token|api\.key)/i;

/** Connector names Connect accepts in URLs without trouble. */
export const CONNECTOR_NAME = /^[A-Za-z0-9._-]{1,249}$/;

/**
 * Any Kafka Connect connector (`kafka-connect_connector`). `name`, `connector.class` and
 * `tasks.max` are set from props so that the merged config always names the connector as the
 * resource does. Secrets are config-provider references when the cluster has `secrets` (see
 * {@link KafkaConnectCluster}), and go only to `config_sensitive` otherwise.
 *
 * The connector is created after the cluster's worker topics and ACLs, and after whatever
 * {@link addDependency} names (its topics, its ACLs, its source database).
 */
export class Connector extends Construct {
  /** Connector name. */
  public readonly name: string;
  /** Connector class. */
  public readonly connectorClass: string;
  /** The plain config as sent to Connect (without sensitive keys). */
  public readonly config: Record<string, string>;
  /** Names of the sensitive keys (in `config_sensitive`). */
  public readonly sensitiveKeys: string[];
  /** Names of the keys whose value is a config-provider reference to a secret. */
  public readonly secretReferenceKeys: string[];
  /** The Terraform resource. */
  public readonly resource: ConnectorResource;
  private readonly dependencies = new Set<ITerraformDependable>();

  constructor(scope: Construct, id: string, props: ConnectorProps & { readonly rawSensitiveConfig?: Record<string, string> }) {
    super(scope, id);
    // Required props checked at run time too (plain JavaScript, ts-node --transpile-only).
    validateProps.required(this, props, { cluster: 'KafkaConnectCluster', name: 'string', connectorClass: 'string' });
    this.name = props.name;
    this.connectorClass = props.connectorClass;
    const tasksMax = props.tasksMax ?? 1;
    const given = props.config ?? {};
    const references: Record<string, string> = {};
    const sensitive: Record<string, string> = { ...(props.rawSensitiveConfig ?? {}) };
    for (const [key, secret] of Object.entries(props.sensitiveConfig ?? {})) {
      if (props.cluster.secrets) references[key] = props.cluster.secretReference(secret);
      else sensitive[key] = secret.resolve(this);
    }
    this.config = { ...given, ...references, name: props.name, 'connector.class': props.connectorClass, 'tasks.max': String(tasksMax) };
    this.sensitiveKeys = Object.keys(sensitive).sort();
    this.secretReferenceKeys = Object.keys(references).sort();
    validateProps(this, (p) => Connector.check(p, props, given, tasksMax, [...this.sensitiveKeys, ...this.secretReferenceKeys]));
    this.resource = new ConnectorResource(this, 'connector', {
      provider: props.cluster.provider,
      name: props.name,
      config: escapeConfigProviderReferences(this.config),
      configSensitive: this.sensitiveKeys.length > 0 ? sensitive : undefined,
    });
    this.addDependency(...props.cluster.workerResources);
  }

  /**
   * Makes Terraform create this connector only after `resources` (and destroy it before them):
   * the topics it writes (a connector started first may create a topic itself with broker
   * defaults, and Terraform's create of that topic then fails), the ACLs its tasks need (a task
   * that starts before them fails with an authorization error, and Connect does not restart
   * failed tasks), the database it captures (Debezium connects when the connector is created).
   * Resources of another stack are skipped: across stacks, the order is the stacks' order.
   */
  public addDependency(...resources: ITerraformDependable[]): void {
    const stack = TerraformStack.of(this);
    const here: ITerraformDependable[] = [];
    for (const r of resources) {
      if (this.dependencies.has(r) || (r instanceof Construct && TerraformStack.of(r) !== stack)) continue;
      this.dependencies.add(r);
      here.push(r);
    }
    if (here.length === 0) return;
    this.resource.dependsOn = [...(this.resource.dependsOn ?? []), ...here.map((r) => dependable(r))];
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
      if (SECRET_KEY_PATTERN.test(key) && !/\.(file|location|type|mechanism|source|provider|class|mode)$/i.test(key) && !CONFIG_REFERENCE.test(value)) {
        p.add(`config['${key}']`, '(hidden)', 'no secret in plain config: pass it in sensitiveConfig as a SecretValue');
      }
      if (typeof value !== 'string') p.add(`config['${key}']`, value, 'a string value');
    }
    for (const key of sensitiveKeys) {
      if (given[key] !== undefined) p.add(`config['${key}']`, '(hidden)', 'each key in config or sensitiveConfig, not both');
    }
  }
}

/**
 * Config with Kafka config-provider references (`${provider:/path:key}`) escaped for Terraform,
 * whose JSON syntax reads `${…}` as an interpolation: each is written `$${…}`, which Terraform
 * sends to Connect as `${…}`. A Terraform expression never has a name, a colon and a slash
 * right after `${`, so no interpolation of the stack is touched.
 */
export function escapeConfigProviderReferences(config: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(config).map(([k, v]) => [k, typeof v === 'string' ? v.replace(/(?<!\$)\$\{(?=[A-Za-z0-9_-]+:\/)/g, '$$${') : v]));
}
