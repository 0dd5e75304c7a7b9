import { Construct } from 'constructs';
import { TerraformResource } from 'cdktf';
import { validateProps } from '../core/validation';
import { KafkaAcl } from './kafka-acl';
import { aclsForIntent, KafkaAccessIntent, KafkaGrantOptions } from './kafka-grants';
import { IKafkaPlatform, KafkaAclSpec } from './kafka-platform';
import { KafkaPrincipalLike, PRINCIPAL_PATTERN, principalOf } from './kafka-principal';

/** Props of {@link KafkaAccessGrant}. */
export interface KafkaAccessGrantProps extends KafkaGrantOptions {
  /** Platform the ACLs live on. */
  readonly platform: IKafkaPlatform;
  /** Who gets access. */
  readonly principal: KafkaPrincipalLike;
  /** What they may do: produce, consume or admin. */
  readonly intent: KafkaAccessIntent;
  /** Topic name, or topic prefix when `topicIsPrefix`. */
  readonly topic: string;
  /** Treat `topic` as a prefix (e.g. a domain's namespace `payments.`). @default false */
  readonly topicIsPrefix?: boolean;
}

/**
 * Grants a principal one intent (produce, consume, admin) on a topic or a topic prefix, writing
 * every ACL that intent needs and no more (see {@link aclsForIntent}).
 */
export class KafkaAccessGrant extends Construct {
  /** The ACL entries this grant created. */
  public readonly acls: KafkaAclSpec[];
  /** The Terraform resources holding those entries, each once (for `depends_on`). */
  public readonly resources: TerraformResource[];

  constructor(scope: Construct, id: string, props: KafkaAccessGrantProps) {
    super(scope, id);
    // Required props checked at run time too (plain JavaScript, ts-node --transpile-only).
    validateProps.required(this, props, { platform: 'IKafkaPlatform', principal: 'KafkaPrincipalLike', intent: 'KafkaAccessIntent', topic: 'string' });
    const principal = principalOf(props.principal);
    const userName = principal.includes(':') ? principal.slice(principal.indexOf(':') + 1) : principal;
    validateProps(this, (p) => {
      p.check(
        ['produce', 'consume', 'admin', 'describe-configs'].includes(props.intent),
        'intent',
        props.intent,
        'produce, consume, admin or describe-configs',
      );
      p.check(PRINCIPAL_PATTERN.test(principal), 'principal', principal, "'Type:name', e.g. 'User:analytics'");
      p.check(props.topic.length > 0, 'topic', props.topic, 'a topic name or prefix');
      if (props.intent !== 'consume' && props.group !== undefined) {
        p.add('group', props.group, 'only with intent consume');
      }
      if (props.intent !== 'produce' && props.transactionalId !== undefined) {
        p.add('transactionalId', props.transactionalId, 'only with intent produce');
      }
    });
    const needs = ['produce', 'consume', 'admin', 'describe-configs'].includes(props.intent)
      ? aclsForIntent(props.intent, props.topic, props.topicIsPrefix ? 'Prefixed' : 'Literal', { ...props, defaultGroup: userName })
      : [];
    const acls = needs.map(
      (need) =>
        new KafkaAcl(this, `${need.resourceType}-${need.operation}`, {
          platform: props.platform,
          principal,
          operation: need.operation,
          resourceType: need.resourceType,
          resourceName: need.resourceName,
          patternType: need.patternType,
        }),
    );
    this.acls = acls.map((a) => a.spec);
    this.resources = [...new Set(acls.map((a) => a.resource))];
  }
}
