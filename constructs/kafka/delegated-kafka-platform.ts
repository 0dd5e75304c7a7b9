import { Construct } from 'constructs';
import { TerraformResource } from 'cdktf';
import { IKafkaPlatform, KafkaAclSpec, KafkaScramCredentialSpec, KafkaTopicSpec } from './kafka-platform';

/** Props of {@link DelegatedKafkaPlatform}. */
export interface DelegatedKafkaPlatformProps {
  /** The platform topics are created on, e.g. the same brokers reached as a domain's deployer. */
  readonly topics: IKafkaPlatform;
  /** The platform that applies ACLs and SCRAM users, e.g. the data platform's, with its admin. */
  readonly admin: IKafkaPlatform;
  /** Scope, in the admin platform's stack, under which ACLs and SCRAM users are created. */
  readonly adminScope: Construct;
}

/**
 * One Kafka cluster seen through two identities: topics are created with one (a domain's
 * deployer, which holds `All` on its own topic prefixes and nothing on the cluster), ACLs and
 * SCRAM users with another (the platform's admin), under `adminScope`, in the admin's stack.
 *
 * Kafka has no per-prefix ACL administration: creating an ACL or a SCRAM credential needs `Alter`
 * on the cluster, which would let its holder grant itself anything. So a team's stack declares
 * its access (ACLs and users through this platform, like through any other), and the platform's
 * pipeline applies it; the team's deployer never holds cluster `Alter`.
 */
export class DelegatedKafkaPlatform extends Construct implements IKafkaPlatform {
  public readonly platformKind: 'self-managed' | 'google-managed';
  public readonly bootstrapServers: string[];
  public readonly brokerCount: number;
  public readonly defaultReplicationFactor: number;
  public readonly defaultPartitions: number;
  public readonly tlsEnabled: boolean;
  public readonly saslMechanism?: string;
  public readonly supportsScramUsers: boolean;
  /** The admin platform: ACLs written here are its ACLs. */
  public readonly aclPlatform: IKafkaPlatform;
  private readonly props: DelegatedKafkaPlatformProps;

  constructor(scope: Construct, id: string, props: DelegatedKafkaPlatformProps) {
    super(scope, id);
    this.props = props;
    const t = props.topics;
    this.platformKind = t.platformKind;
    this.bootstrapServers = t.bootstrapServers;
    this.brokerCount = t.brokerCount;
    this.defaultReplicationFactor = t.defaultReplicationFactor;
    this.defaultPartitions = t.defaultPartitions;
    this.tlsEnabled = t.tlsEnabled;
    this.saslMechanism = t.saslMechanism;
    this.supportsScramUsers = props.admin.supportsScramUsers;
    this.aclPlatform = props.admin.aclPlatform ?? props.admin;
  }

  public createTopicResource(scope: Construct, id: string, spec: KafkaTopicSpec): string {
    return this.props.topics.createTopicResource(scope, id, spec);
  }

  public createAclResource(scope: Construct, id: string, spec: KafkaAclSpec): TerraformResource {
    return this.props.admin.createAclResource(this.adminScopeFor(scope), id, spec);
  }

  public createScramCredentialResource(scope: Construct, id: string, spec: KafkaScramCredentialSpec): TerraformResource {
    const admin = this.props.admin;
    if (!admin.createScramCredentialResource) throw new Error(`${admin.node.path} cannot create SCRAM users`);
    return admin.createScramCredentialResource(this.adminScopeFor(scope), id, spec);
  }

  /** A scope under `adminScope` named after `scope`'s path in its own stack, so addresses stay unique and readable. */
  private adminScopeFor(scope: Construct): Construct {
    const path = scope.node.scopes
      .slice(2)
      .map((s) => s.node.id)
      .join('_');
    const id = path.replace(/[^A-Za-z0-9_-]+/g, '_');
    return (this.props.adminScope.node.tryFindChild(id) as Construct | undefined) ?? new Construct(this.props.adminScope, id);
  }
}
