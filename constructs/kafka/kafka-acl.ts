import { Construct } from 'constructs';
import { TerraformResource } from 'cdktf';
import { validateProps } from '../core/validation';
import {
  IKafkaPlatform,
  KAFKA_ACL_OPERATIONS,
  KAFKA_ACL_RESOURCE_TYPES,
  KafkaAclOperation,
  KafkaAclPatternType,
  KafkaAclResourceType,
  KafkaAclSpec,
} from './kafka-platform';
import { KafkaPrincipalLike, PRINCIPAL_PATTERN, principalOf } from './kafka-principal';

/** Props of {@link KafkaAcl}. */
export interface KafkaAclProps {
  /** The Kafka platform the ACL lives on. */
  readonly platform: IKafkaPlatform;
  /** Principal, e.g. `User:Alice`, or an object with a principal. */
  readonly principal: KafkaPrincipalLike;
  /** Operation. */
  readonly operation: KafkaAclOperation;
  /** Allow or deny. @default 'Allow' */
  readonly permission?: 'Allow' | 'Deny';
  /** Resource type. */
  readonly resourceType: KafkaAclResourceType;
  /** Resource name; `kafka-cluster` for the cluster. */
  readonly resourceName: string;
  /** Whether `resourceName` is a literal name or a prefix. @default 'Literal' */
  readonly patternType?: KafkaAclPatternType;
  /** Host the rule applies to. @default '*' */
  readonly host?: string;
}

/** Operations Kafka accepts for each resource type (Kafka's authorization docs). */
export const OPERATIONS_BY_RESOURCE: Record<KafkaAclResourceType, readonly KafkaAclOperation[]> = {
  Topic: ['All', 'Read', 'Write', 'Create', 'Delete', 'Alter', 'Describe', 'DescribeConfigs', 'AlterConfigs'],
  Group: ['All', 'Read', 'Describe', 'Delete'],
  Cluster: ['All', 'Create', 'Alter', 'Describe', 'ClusterAction', 'DescribeConfigs', 'AlterConfigs', 'IdempotentWrite'],
  TransactionalID: ['All', 'Write', 'Describe'],
};

/** ACL entries already written per ACL platform: the same entry is managed by one resource only. */
const writtenAcls = new WeakMap<IKafkaPlatform, Map<string, { path: string; resource: TerraformResource }>>();

/** A stable key of an entry's content. */
export function aclKey(spec: KafkaAclSpec): string {
  return [spec.permission, spec.principal, spec.host, spec.operation, spec.resourceType, spec.patternType, spec.resourceName].join('|');
}

/**
 * One Kafka ACL entry. Neither the self-managed provider's `kafka_acl` nor Kafka itself can
 * update an ACL in place: any change replaces it. Prefer the intent-level grants on
 * {@link KafkaTopic} (`grantProduce`, `grantConsume`), which write the whole set each use needs.
 */
export class KafkaAcl extends Construct {
  /** The entry as created. */
  public readonly spec: KafkaAclSpec;
  /**
   * Path of the KafkaAcl that already manages the same entry on this platform, if any. Two
   * grants often need the same entry (e.g. Describe for produce and for consume); one Terraform
   * resource manages it, so destroying one grant's resource cannot silently drop the other's.
   */
  public readonly sameAs?: string;
  /**
   * The Terraform resource that holds the entry (this ACL's, or that of the ACL it is the same
   * as), for `depends_on`: a connector is created only after the ACLs it needs.
   */
  public readonly resource: TerraformResource;

  constructor(scope: Construct, id: string, props: KafkaAclProps) {
    super(scope, id);
    // Required props checked at run time too (plain JavaScript, ts-node --transpile-only).
    validateProps.required(this, props, {
      platform: 'IKafkaPlatform',
      principal: 'KafkaPrincipalLike',
      operation: 'KafkaAclOperation',
      resourceType: 'KafkaAclResourceType',
      resourceName: 'string',
    });
    this.spec = {
      principal: principalOf(props.principal),
      host: props.host ?? '*',
      operation: props.operation,
      permission: props.permission ?? 'Allow',
      resourceType: props.resourceType,
      resourceName: props.resourceName,
      patternType: props.patternType ?? 'Literal',
    };
    const spec = this.spec;
    validateProps(this, (p) => {
      p.check(PRINCIPAL_PATTERN.test(spec.principal), 'principal', spec.principal, "'Type:name', e.g. 'User:orders-writer'");
      p.check(KAFKA_ACL_OPERATIONS.includes(spec.operation), 'operation', spec.operation, KAFKA_ACL_OPERATIONS.join(', '));
      if (p.check(KAFKA_ACL_RESOURCE_TYPES.includes(spec.resourceType), 'resourceType', spec.resourceType, KAFKA_ACL_RESOURCE_TYPES.join(', '))) {
        const allowedOps = OPERATIONS_BY_RESOURCE[spec.resourceType];
        p.check(allowedOps.includes(spec.operation), 'operation', spec.operation, `for resourceType ${spec.resourceType}: ${allowedOps.join(', ')}`);
      }
      p.check(['Allow', 'Deny'].includes(spec.permission), 'permission', spec.permission, 'Allow or Deny');
      p.check(['Literal', 'Prefixed'].includes(spec.patternType), 'patternType', spec.patternType, 'Literal or Prefixed');
      p.check(spec.resourceName.length > 0, 'resourceName', spec.resourceName, 'a non-empty name or prefix');
      if (spec.resourceType === 'Cluster') {
        p.check(spec.resourceName === 'kafka-cluster', 'resourceName', spec.resourceName, "'kafka-cluster' for resourceType Cluster");
      }
      p.check(spec.host.length > 0, 'host', spec.host, "an IP address or '*'");
    });
    const store = props.platform.aclPlatform ?? props.platform;
    let written = writtenAcls.get(store);
    if (!written) {
      written = new Map();
      writtenAcls.set(store, written);
    }
    const key = aclKey(spec);
    const existing = written.get(key);
    this.sameAs = existing?.path;
    if (existing) {
      this.resource = existing.resource;
    } else {
      this.resource = props.platform.createAclResource(this, 'acl', spec);
      written.set(key, { path: this.node.path, resource: this.resource });
    }
  }
}
