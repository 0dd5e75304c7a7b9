import { Construct } from 'constructs';
import { TerraformResource } from 'cdktf';
import { SecretValue } from '../core/secret-value';
import { isIntIn, validateProps } from '../core/validation';
import { IKafkaPlatform } from './kafka-platform';
import { IKafkaPrincipal } from './kafka-principal';

/** Props of {@link KafkaScramUser}. */
export interface KafkaScramUserProps {
  /** The self-managed cluster the user is created on. */
  readonly platform: IKafkaPlatform;
  /** User name: letters, digits, '.', '_', '-' and '@'. */
  readonly username: string;
  /** Password, from a sensitive variable or Secret Manager. */
  readonly password: SecretValue;
  /**
   * Version of the password. The password is write-only (`password_wo`): Terraform keeps it in
   * neither plan nor state, so it cannot see it change; bump this to set a new password.
   * @default the Secret Manager version when the password names one (not `latest`), else '1'
   */
  readonly passwordVersion?: string;
  /** SCRAM mechanism. @default 'SCRAM-SHA-512' */
  readonly mechanism?: 'SCRAM-SHA-256' | 'SCRAM-SHA-512';
  /** PBKDF2 iterations; Kafka requires at least 4096. @default 8192 */
  readonly iterations?: number;
}

/**
 * A Kafka SCRAM user (`kafka_user_scram_credential`) and the principal ACLs name it by.
 *
 * The password goes to the provider's write-only `password_wo` (with `password_wo_version`),
 * never to the deprecated `password`, which Terraform stores in state. Write-only attributes
 * need Terraform 1.11 or later.
 */
export class KafkaScramUser extends Construct implements IKafkaPrincipal {
  /** `User:<username>`. */
  public readonly principal: string;
  /** The user name. */
  public readonly username: string;
  /** The password source, for clients that need it (never its value). */
  public readonly password: SecretValue;
  /** The version Terraform sets the password for (see {@link KafkaScramUserProps.passwordVersion}). */
  public readonly passwordVersion: string;
  /** The credential's Terraform resource (on platforms with SCRAM users), for `depends_on`. */
  public readonly resource?: TerraformResource;

  constructor(scope: Construct, id: string, props: KafkaScramUserProps) {
    super(scope, id);
    // Required props checked at run time too (plain JavaScript, ts-node --transpile-only).
    validateProps.required(this, props, { platform: 'IKafkaPlatform', username: 'string', password: 'SecretValue' });
    this.username = props.username;
    this.principal = `User:${props.username}`;
    this.password = props.password;
    const smVersion = props.password.secretManagerRef?.version;
    this.passwordVersion = props.passwordVersion ?? (smVersion !== undefined && smVersion !== 'latest' ? smVersion : '1');
    const mechanism = props.mechanism ?? 'SCRAM-SHA-512';
    const iterations = props.iterations ?? 8192;
    validateProps(this, (p) => {
      p.check(/^[A-Za-z0-9._@-]{1,255}$/.test(props.username), 'username', props.username, "1-255 letters, digits, '.', '_', '-' or '@'");
      p.check(['SCRAM-SHA-256', 'SCRAM-SHA-512'].includes(mechanism), 'mechanism', mechanism, 'SCRAM-SHA-256 or SCRAM-SHA-512');
      p.check(isIntIn(iterations, 4096, 16384), 'iterations', iterations, 'an integer from 4096 to 16384');
      p.check(this.passwordVersion.length > 0, 'passwordVersion', this.passwordVersion, 'a non-empty version, e.g. 1');
      p.check(
        props.platform.supportsScramUsers,
        'platform',
        props.platform.node.path,
        'a self-managed KafkaCluster (Google Managed Kafka authenticates with service accounts)',
      );
    });
    if (props.platform.supportsScramUsers && props.platform.createScramCredentialResource) {
      this.resource = props.platform.createScramCredentialResource(this, 'credential', {
        username: props.username,
        mechanism,
        iterations,
        password: props.password,
        passwordVersion: this.passwordVersion,
      });
    }
  }
}
