import { Construct } from 'constructs';
import { UserScramCredential } from '../../lib/providers/kafka/user-scram-credential';
import { SecretValue } from '../core/secret-value';
import { isIntIn, validateProps } from '../core/validation';
import { IKafkaPlatform } from './kafka-platform';
import { IKafkaPrincipal } from './kafka-principal';
import { KafkaCluster } from './kafka-cluster';

/** Props of {@link KafkaScramUser}. */
export interface KafkaScramUserProps {
  /** The self-managed cluster the user is created on. */
  readonly platform: IKafkaPlatform;
  /** User name: letters, digits, '.', '_', '-' and '@'. */
  readonly username: string;
  /** Password, from a sensitive variable or Secret Manager. */
  readonly password: SecretValue;
  /** SCRAM mechanism. @default 'SCRAM-SHA-512' */
  readonly mechanism?: 'SCRAM-SHA-256' | 'SCRAM-SHA-512';
  /** PBKDF2 iterations; Kafka requires at least 4096. @default 8192 */
  readonly iterations?: number;
}

/** A Kafka SCRAM user (`kafka_user_scram_credential`) and the principal ACLs name it by. */
export class KafkaScramUser extends Construct implements IKafkaPrincipal {
  /** `User:<username>`. */
  public readonly principal: string;
  /** The user name. */
  public readonly username: string;
  /** The password source, for clients that need it (never its value). */
  public readonly password: SecretValue;

  constructor(scope: Construct, id: string, props: KafkaScramUserProps) {
    super(scope, id);
    // Required props checked at run time too (plain JavaScript, ts-node --transpile-only).
    validateProps.required(this, props, { platform: 'IKafkaPlatform', username: 'string', password: 'SecretValue' });
    this.username = props.username;
    this.principal = `User:${props.username}`;
    this.password = props.password;
    const mechanism = props.mechanism ?? 'SCRAM-SHA-512';
    const iterations = props.iterations ?? 8192;
    validateProps(this, (p) => {
      p.check(/^[A-Za-z0-9._@-]{1,255}$/.test(props.username), 'username', props.username, "1-255 letters, digits, '.', '_', '-' or '@'");
      p.check(['SCRAM-SHA-256', 'SCRAM-SHA-512'].includes(mechanism), 'mechanism', mechanism, 'SCRAM-SHA-256 or SCRAM-SHA-512');
      p.check(isIntIn(iterations, 4096, 16384), 'iterations', iterations, 'an integer from 4096 to 16384');
      p.check(props.platform.supportsScramUsers, 'platform', props.platform.node.path, 'a self-managed KafkaCluster (Google Managed Kafka authenticates with service accounts)');
    });
    if (props.platform instanceof KafkaCluster) {
      new UserScramCredential(this, 'credential', {
        provider: props.platform.provider,
        username: props.username,
        scramMechanism: mechanism,
        scramIterations: iterations,
        password: props.password.resolve(this),
      });
    }
  }
}
