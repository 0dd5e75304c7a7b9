import { Construct } from 'constructs';
import { TerraformOutput } from 'cdktf';
import { SecretValue } from '../core/secret-value';
import { isIntIn, validateProps } from '../core/validation';
import { IKafkaPlatform } from '../kafka/kafka-platform';
import { KafkaScramUser } from '../kafka/kafka-scram-user';
import { SourceTable } from '../sources/source-table';
import { CaptureInternalTopic, CapturedTable, checkCapturedTables, describeCaptured, ISourceCapture } from './source-capture';

/** Props of {@link DebeziumCassandraAgent}. */
export interface DebeziumCassandraAgentProps {
  /** Kafka platform the agent writes to. */
  readonly kafka: IKafkaPlatform;
  /** Logical name of the source (selectors name it); a letter, then letters, digits, '_' or '-'. */
  readonly logicalName: string;
  /** Cassandra contact points the agent's driver connects to (for snapshots and schema); the agent runs on each of these nodes. */
  readonly cassandraHosts: string[];
  /** Native protocol port of the contact points. @default 9042 */
  readonly cassandraPort?: number;
  /**
   * Datacenter of the contact points. The DataStax driver 4 requires it whenever contact points
   * are given explicitly (`basic.load-balancing-policy.local-datacenter`).
   * @default 'datacenter1' (Cassandra's name for the datacenter of SimpleSnitch)
   */
  readonly localDatacenter?: string;
  /** Path on the nodes where {@link DebeziumCassandraAgent.driverConfig} is placed. @default '/etc/debezium-cassandra/application.conf' */
  readonly driverConfigPath?: string;
  /** Tables to capture as `keyspace.table`, with keys, labels and sensitivity; each needs `WITH cdc = true`. */
  readonly tables: SourceTable[];
  /** Kafka user the agents produce as. @default `cdc-<logicalName>` */
  readonly kafkaUser?: string;
  /** That user's password; when given on a self-managed cluster, the SCRAM user is created here. @default none: the user exists already or the platform needs no SASL */
  readonly kafkaPassword?: SecretValue;
  /** Prefix of every topic. @default the logical name */
  readonly topicPrefix?: string;
  /** Snapshot mode of the agent. @default 'initial' */
  readonly snapshotMode?: 'initial' | 'always' | 'never';
  /** Path of cassandra.yaml on the nodes. @default '/etc/cassandra/cassandra.yaml' */
  readonly cassandraConfigPath?: string;
  /** Working directory of the agent on the nodes (offsets, relocated commit logs). @default '/var/lib/debezium-cassandra' */
  readonly workDir?: string;
}

/**
 * The Cassandra source. Debezium's Cassandra connector is not a Kafka Connect connector: it is
 * an agent (a JVM process) that runs on every Cassandra node, reads the commit log segments
 * Cassandra moves to `cdc_raw` for tables created or altered `WITH cdc = true`, and produces to
 * Kafka itself. Terraform cannot install it on the nodes, so this construct provides everything
 * around it: the Kafka user it produces as (SCRAM, when a password is given), the topics and ACLs
 * (through the stage construct that routes it), the `ALTER TABLE … WITH cdc = true` statements,
 * and the agent's two files as Terraform outputs, ready to be placed on each node by the tool that
 * manages the nodes: its properties, and the DataStax driver's `application.conf` with the contact
 * points and local datacenter, which the properties name in `cassandra.driver.config.file`
 * (Debezium 3 reads the connection only from there; it has no `cassandra.hosts` or
 * `cassandra.port`). The Kafka password is in neither file: the node adds
 * `kafka.producer.sasl.jaas.config` from its secret at start-up.
 */
export class DebeziumCassandraAgent extends Construct implements ISourceCapture {
  public readonly sourceName: string;
  public readonly sourceKind = 'cassandra';
  public readonly topicPrefix: string;
  public readonly captured: CapturedTable[];
  public readonly producerPrincipal: string;
  public readonly internalTopics: CaptureInternalTopic[] = [];
  /** Kafka user the agents produce as. */
  public readonly kafkaUser: string;
  /** The agent's properties file (no secrets). */
  public readonly agentProperties: string;
  /** The DataStax driver configuration (`application.conf`) the properties reference. */
  public readonly driverConfig: string;
  /** Path on the nodes the properties expect {@link driverConfig} at. */
  public readonly driverConfigPath: string;
  /** CQL statements that turn CDC on for the captured tables. */
  public readonly cdcStatements: string[];

  constructor(scope: Construct, id: string, props: DebeziumCassandraAgentProps) {
    super(scope, id);
    // Required props checked at run time too (plain JavaScript, ts-node --transpile-only).
    validateProps.required(this, props, { kafka: 'IKafkaPlatform', logicalName: 'string', cassandraHosts: 'string[]', tables: 'SourceTable[]' });
    this.sourceName = props.logicalName;
    this.topicPrefix = props.topicPrefix ?? props.logicalName;
    this.kafkaUser = props.kafkaUser ?? `cdc-${props.logicalName}`;
    this.producerPrincipal = `User:${this.kafkaUser}`;
    const port = props.cassandraPort ?? 9042;
    const snapshotMode = props.snapshotMode ?? 'initial';
    const workDir = props.workDir ?? '/var/lib/debezium-cassandra';
    const datacenter = props.localDatacenter ?? 'datacenter1';
    this.driverConfigPath = props.driverConfigPath ?? '/etc/debezium-cassandra/application.conf';
    this.captured = describeCaptured(this.topicPrefix, props.tables, (n) => n);
    this.cdcStatements = this.captured.map((c) => `ALTER TABLE ${c.table} WITH cdc = true;`);

    this.validate(props, port, datacenter, snapshotMode);

    if (props.kafkaPassword && props.kafka.supportsScramUsers) {
      new KafkaScramUser(this, 'kafka-user', { platform: props.kafka, username: this.kafkaUser, password: props.kafkaPassword });
    }

    this.agentProperties = this.propertiesFile(props, snapshotMode, workDir);
    new TerraformOutput(this, 'agent-properties', {
      value: this.agentProperties,
      description: `Properties of the Debezium Cassandra agent for ${props.logicalName} (no secrets); place on each Cassandra node.`,
    });
    // HOCON, read by DriverConfigLoader.fromFile on top of the driver's reference.conf.
    this.driverConfig = [
      `# DataStax Java driver settings of the Debezium Cassandra agent for ${props.logicalName}; generated by cdktf-data-pipelines.`,
      'datastax-java-driver {',
      `  basic.contact-points = [${props.cassandraHosts.map((h) => JSON.stringify(`${h}:${port}`)).join(', ')}]`,
      `  basic.load-balancing-policy.local-datacenter = ${JSON.stringify(datacenter)}`,
      '}',
      '',
    ].join('\n');
    new TerraformOutput(this, 'driver-config', {
      value: this.driverConfig,
      description: `DataStax driver config (application.conf) of the Debezium Cassandra agent for ${props.logicalName}; place on each Cassandra node at ${this.driverConfigPath}.`,
    });
  }

  /** Checks the names, the hosts, port and datacenter, the tables, the snapshot mode and the Kafka user (and its password where the platform needs one). */
  private validate(props: DebeziumCassandraAgentProps, port: number, datacenter: string, snapshotMode: string): void {
    validateProps(this, (p) => {
      p.check(/^[A-Za-z][A-Za-z0-9_-]*$/.test(props.logicalName), 'logicalName', props.logicalName, "a letter, then letters, digits, '_' or '-'");
      p.check(/^[A-Za-z0-9._-]+$/.test(this.topicPrefix), 'topicPrefix', this.topicPrefix, "letters, digits, '.', '_' and '-'");
      p.check(
        props.cassandraHosts.length > 0 && props.cassandraHosts.every((h) => /^[A-Za-z0-9.-]+$/.test(h)),
        'cassandraHosts',
        props.cassandraHosts,
        'at least one host name or IP',
      );
      p.check(isIntIn(port, 1, 65535), 'cassandraPort', port, 'an integer from 1 to 65535');
      p.check(/^[A-Za-z0-9._-]{1,128}$/.test(datacenter), 'localDatacenter', datacenter, "a datacenter name: letters, digits, '.', '_' or '-'");
      p.check(
        /^\/[A-Za-z0-9._/-]+$/.test(this.driverConfigPath),
        'driverConfigPath',
        this.driverConfigPath,
        "an absolute path of letters, digits, '.', '_', '-' and '/'",
      );
      checkCapturedTables(
        p,
        'tables',
        props.tables,
        this.captured,
        /^[A-Za-z][A-Za-z0-9_]{0,47}\.[A-Za-z][A-Za-z0-9_]{0,47}$/,
        "'keyspace.table' of letters, digits and '_'",
      );
      p.check(['initial', 'always', 'never'].includes(snapshotMode), 'snapshotMode', snapshotMode, 'initial, always or never');
      p.check(/^[A-Za-z0-9._@-]{1,255}$/.test(this.kafkaUser), 'kafkaUser', this.kafkaUser, "1-255 letters, digits, '.', '_', '-' or '@'");
      if (props.kafka.saslMechanism?.startsWith('SCRAM') && props.kafkaPassword === undefined) {
        p.add('kafkaPassword', undefined, `a SecretValue: the platform authenticates with ${props.kafka.saslMechanism}, so the agent's user needs a password`);
      }
    });
  }

  /** The agent's properties file: the capture, the commit log and offsets directories, and the Kafka producer (never its password). */
  private propertiesFile(props: DebeziumCassandraAgentProps, snapshotMode: string, workDir: string): string {
    const sasl = props.kafka.saslMechanism;
    const protocol = sasl ? (props.kafka.tlsEnabled ? 'SASL_SSL' : 'SASL_PLAINTEXT') : props.kafka.tlsEnabled ? 'SSL' : 'PLAINTEXT';
    const lines: string[] = [
      `# Debezium Cassandra agent for ${props.logicalName}; generated by cdktf-data-pipelines.`,
      '# Run it on every Cassandra node; tables need WITH cdc = true and cassandra.yaml cdc_enabled: true.',
      `topic.prefix=${this.topicPrefix}`,
      `snapshot.mode=${snapshotMode}`,
      `cassandra.config=${props.cassandraConfigPath ?? '/etc/cassandra/cassandra.yaml'}`,
      `cassandra.driver.config.file=${this.driverConfigPath}`,
      'commit.log.real.time.processing.enabled=true',
      `commit.log.relocation.dir=${workDir}/relocation`,
      `offset.backing.store.dir=${workDir}/offsets`,
      'http.port=8000',
      'key.converter=org.apache.kafka.connect.json.JsonConverter',
      'value.converter=org.apache.kafka.connect.json.JsonConverter',
      `kafka.producer.bootstrap.servers=${props.kafka.bootstrapServers.join(',')}`,
      `kafka.producer.security.protocol=${protocol}`,
    ];
    if (sasl) {
      lines.push(`kafka.producer.sasl.mechanism=${sasl}`);
      lines.push(`# kafka.producer.sasl.jaas.config for user ${this.kafkaUser} is added on the node from its secret.`);
    }
    return lines.join('\n') + '\n';
  }

  /** Every table topic. */
  public get topics(): string[] {
    return this.captured.map((c) => c.topic);
  }
}
