import { Construct } from 'constructs';
import { TerraformStack } from 'cdktf';
import { KafkaCluster } from '../constructs/kafka/kafka-cluster';
import { KafkaTopic } from '../constructs/kafka/kafka-topic';
import { KafkaAcl } from '../constructs/kafka/kafka-acl';
import { KafkaConnectCluster } from '../constructs/connect/kafka-connect-cluster';
import { JdbcSink } from '../constructs/connect/jdbc-sink';
import { ReferenceStackConfig, useStateBackend } from './stack-config';

/**
 * The three Terraform slides of "The Future of Data Engineering", written with this library:
 * the compacted `systemd_logs` topic, the SQLite JDBC sink `test-sink` on `orders`, and the
 * ACL denying `User:Alice` writes to `syslog`.
 *
 * It targets a local demo broker, `localhost:9092`, which listens in plaintext: the provider
 * connects without TLS (`tlsEnabled: false`) and without SASL. The Deny ACL needs the broker to
 * run an authorizer (KRaft: `authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer`,
 * with `allow.everyone.if.no.acl.found=true` so the demo's other clients keep working); a broker
 * without one refuses every ACL request (`SecurityDisabledException`), and apply fails there.
 */
export class TalkSlidesStack extends TerraformStack {
  /** The `systemd_logs` topic. */
  public readonly logsTopic: KafkaTopic;
  /** The SQLite sink. */
  public readonly sqliteSink: JdbcSink;
  /** The deny ACL. */
  public readonly denyAliceWrite: KafkaAcl;

  constructor(scope: Construct, id: string, config: ReferenceStackConfig) {
    super(scope, id);
    useStateBackend(this, config);
    const kafka = new KafkaCluster(this, 'kafka', {
      bootstrapServers: ['localhost:9092'],
      kafkaVersion: '2.7.0',
      brokerCount: 2,
      // A local demo broker's listener is PLAINTEXT; TLS (the library's default) would fail the handshake.
      tlsEnabled: false,
    });
    this.logsTopic = new KafkaTopic(this, 'logs', {
      platform: kafka,
      name: 'systemd_logs',
      replicationFactor: 2,
      partitions: 100,
      config: { segmentMs: 20000, cleanupPolicy: 'compact' },
    });
    const connect = new KafkaConnectCluster(this, 'connect', { url: 'http://localhost:8083', kafka });
    this.sqliteSink = new JdbcSink(this, 'sqlite-sink', {
      cluster: connect,
      name: 'test-sink',
      topics: ['orders'],
      connectionUrl: 'jdbc:sqlite:test.db',
      autoCreate: true,
    });
    this.denyAliceWrite = new KafkaAcl(this, 'test', {
      platform: kafka,
      principal: 'User:Alice',
      host: '*',
      resourceType: 'Topic',
      resourceName: 'syslog',
      operation: 'Write',
      permission: 'Deny',
    });
  }
}
