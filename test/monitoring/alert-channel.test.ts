import { SecretValue } from '../../constructs/core/secret-value';
import { AlertChannel } from '../../constructs/monitoring/alert-channel';
import { problems, resources, synth } from '../helpers';

describe('AlertChannel', () => {
  test('email, Pub/Sub and Slack channels; tokens only in sensitive labels, from secrets', () => {
    const json = synth((stack) => {
      new AlertChannel(stack, 'mail', { project: 'acme-data', kind: 'email', displayName: 'Data on-call', address: 'data-oncall@acme.com' });
      new AlertChannel(stack, 'bus', { project: 'acme-data', kind: 'pubsub', displayName: 'Alert bus', address: 'projects/acme-data/topics/alerts' });
      new AlertChannel(stack, 'slack', {
        project: 'acme-data',
        kind: 'slack',
        displayName: 'Slack',
        address: '#data-oncall',
        secret: SecretValue.fromVariable('slack_token'),
      });
    });
    expect(
      resources(json, 'google_monitoring_notification_channel')
        .map((c) => [c.type, c.labels, c.sensitive_labels])
        .sort(),
    ).toEqual([
      ['email', { email_address: 'data-oncall@acme.com' }, undefined],
      ['pubsub', { topic: 'projects/acme-data/topics/alerts' }, undefined],
      ['slack', { channel_name: '#data-oncall' }, { auth_token: '${var.slack_token}' }],
    ]);
  });

  test('refuses bad addresses and missing or misplaced secrets', () => {
    const found = problems((stack) => {
      new AlertChannel(stack, 'a', { project: 'acme-data', kind: 'email', displayName: 'x', address: 'nobody' });
      new AlertChannel(stack, 'b', { project: 'acme-data', kind: 'slack', displayName: 'x', address: 'data-oncall' });
      new AlertChannel(stack, 'c', { project: 'acme-data', kind: 'email', displayName: 'x', address: 'a@b.co', secret: SecretValue.fromVariable('t') });
    });
    expect(found).toEqual([
      '[test/a] address: "nobody" is not valid; allowed: an email address',
      '[test/b] address: "data-oncall" is not valid; allowed: a Slack channel such as \'#data-oncall\'',
      '[test/b] secret: undefined is not valid; allowed: a SecretValue holding the Slack OAuth token',
      '[test/c] secret: "sensitive variable var.t" is not valid; allowed: nothing for kind email',
    ]);
  });
});
