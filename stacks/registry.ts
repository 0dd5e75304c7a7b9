import { ReferenceStackFactory } from './stack-config';
import { TalkSlidesStack } from './talk-slides';
import { WePay2014Stack } from './wepay-2014';
import { WePay2016Stack } from './wepay-2016';
import { WePay2017Stack } from './wepay-2017';
import { WePay2019Stack } from './wepay-2019';
import { AutomationStack } from './automation';
import { DECENTRALIZED_STACKS } from './decentralized';

/**
 * Every reference stack, by the name `cdktf synth`/`cdktf deploy` knows it by.
 * Add a stack here and it is synthesized, validated and tested with the others.
 */
export const REFERENCE_STACKS: Record<string, ReferenceStackFactory> = {
  'talk-slides': (scope, name, config) => new TalkSlidesStack(scope, name, config),
  'wepay-2014': (scope, name, config) => new WePay2014Stack(scope, name, config),
  'wepay-2016': (scope, name, config) => new WePay2016Stack(scope, name, config),
  'wepay-2017': (scope, name, config) => new WePay2017Stack(scope, name, config),
  'wepay-2019': (scope, name, config) => new WePay2019Stack(scope, name, config),
  automation: (scope, name, config) => new AutomationStack(scope, name, config),
  ...DECENTRALIZED_STACKS, // decentralized (the platform) and decentralized-<domain>: one stack per team
};
