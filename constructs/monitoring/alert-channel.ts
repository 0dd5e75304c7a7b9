import { Construct } from 'constructs';
import { MonitoringNotificationChannel } from '@cdktf/provider-google/lib/monitoring-notification-channel';
import { SecretValue } from '../core/secret-value';
import { validateProps } from '../core/validation';

/** Where alerts go. */
export type AlertChannelKind = 'email' | 'pubsub' | 'slack' | 'pagerduty';

/** Props of {@link AlertChannel}. */
export interface AlertChannelProps {
  /** Google Cloud project. */
  readonly project: string;
  /** Kind of channel. */
  readonly kind: AlertChannelKind;
  /** Display name. */
  readonly displayName: string;
  /** email: the address; pubsub: `projects/p/topics/t`; slack: the channel, e.g. `#data-oncall`; pagerduty: unused. @default none */
  readonly address?: string;
  /** slack: the app's OAuth token; pagerduty: the service integration key. Never a literal. @default none */
  readonly secret?: SecretValue;
}

/**
 * A Cloud Monitoring notification channel (`google_monitoring_notification_channel`): an email
 * address, a Pub/Sub topic, a Slack channel or a PagerDuty service. Tokens come from secrets
 * and are written to `sensitive_labels` only.
 */
export class AlertChannel extends Construct {
  /** Channel resource name, for alert policies. */
  public readonly channelName: string;
  /** The resource. */
  public readonly channel: MonitoringNotificationChannel;
  /** Kind. */
  public readonly kind: AlertChannelKind;

  constructor(scope: Construct, id: string, props: AlertChannelProps) {
    super(scope, id);
    // Required props checked at run time too (plain JavaScript, ts-node --transpile-only).
    validateProps.required(this, props, { project: 'string', kind: 'AlertChannelKind', displayName: 'string' });
    this.kind = props.kind;
    const address = props.address ?? '';
    validateProps(this, (p) => {
      if (!p.check(['email', 'pubsub', 'slack', 'pagerduty'].includes(props.kind), 'kind', props.kind, 'email, pubsub, slack or pagerduty')) return;
      if (props.kind === 'email') p.check(/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(address), 'address', props.address, 'an email address');
      if (props.kind === 'pubsub')
        p.check(/^projects\/[^/]+\/topics\/[^/]+$/.test(address), 'address', props.address, "a topic 'projects/<project>/topics/<topic>'");
      if (props.kind === 'slack') p.check(/^#[a-z0-9_-]{1,80}$/.test(address), 'address', props.address, "a Slack channel such as '#data-oncall'");
      const needsSecret = props.kind === 'slack' || props.kind === 'pagerduty';
      p.check(
        needsSecret === (props.secret !== undefined),
        'secret',
        props.secret?.description,
        needsSecret ? `a SecretValue holding the ${props.kind === 'slack' ? 'Slack OAuth token' : 'PagerDuty service key'}` : `nothing for kind ${props.kind}`,
      );
    });
    const labels: Record<string, string> =
      props.kind === 'email'
        ? { email_address: address }
        : props.kind === 'pubsub'
          ? { topic: address }
          : props.kind === 'slack'
            ? { channel_name: address }
            : {};
    const secret = props.secret?.resolve(this);
    this.channel = new MonitoringNotificationChannel(this, 'channel', {
      project: props.project,
      type: props.kind,
      displayName: props.displayName,
      labels,
      sensitiveLabels: secret === undefined ? undefined : props.kind === 'slack' ? { authToken: secret } : { serviceKey: secret },
      enabled: true,
    });
    this.channelName = this.channel.name;
  }
}
