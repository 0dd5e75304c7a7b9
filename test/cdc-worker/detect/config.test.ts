import Ajv from 'ajv';
import { createHmac } from 'crypto';
import { createScreen, DETECTION_CONFIG_SCHEMA, DetectionConfig, DetectionMetrics, validateDetectionConfig } from '../../../lib/cdc-worker/detect';

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false });
const validate = ajv.compile(DETECTION_CONFIG_SCHEMA);

describe('detection config', () => {
  test('the schema fills the documented defaults', () => {
    const cfg: Record<string, unknown> = {};
    expect(validate(cfg)).toBe(true);
    expect(cfg).toEqual({
      enabled: true,
      backend: 'local',
      infoTypes: ['PHONE_NUMBER', 'EMAIL_ADDRESS', 'CREDIT_CARD_NUMBER', 'US_SOCIAL_SECURITY_NUMBER', 'IP_ADDRESS', 'IBAN_CODE'],
      minLikelihood: 'POSSIBLE',
      location: 'global',
      concurrency: 4,
      maxAttempts: 6,
      timeoutMs: 60000,
    });
  });

  test('the schema rejects unknown actions and fields', () => {
    expect(validate({ policy: { infoTypes: { EMAIL_ADDRESS: { action: 'encrypt' } } }, backnd: 'local' })).toBe(false);
    expect(validate.errors!.map((e) => `${e.instancePath} ${e.message}`)).toEqual(
      expect.arrayContaining(['/policy/infoTypes/EMAIL_ADDRESS/action must be equal to one of the allowed values', ' must NOT have additional properties']),
    );
  });

  test('validateDetectionConfig lists what the schema cannot see', () => {
    expect(
      validateDetectionConfig({ backend: 'cloud-dlp', policy: { default: { action: 'hash' }, infoTypes: { IBAN_CODE: { action: 'quarantine' } } } }),
    ).toEqual([
      'detection.projectId: required for backend "cloud-dlp"',
      'detection.policy.default: action "hash" needs a key (hashKey, from a secret)',
      'detection.policy.infoTypes.IBAN_CODE: action "quarantine" needs quarantineTopic',
    ]);
    expect(validateDetectionConfig({ infoTypes: ['PERSON_NAME'] })).toEqual([
      'detection.infoTypes: the local backend has no PERSON_NAME; it has PHONE_NUMBER, EMAIL_ADDRESS, CREDIT_CARD_NUMBER, US_SOCIAL_SECURITY_NUMBER, IP_ADDRESS, IBAN_CODE (use backend "cloud-dlp" for others)',
    ]);
  });

  test('createScreen: off when absent or disabled; otherwise a screen with the policy and key', async () => {
    expect(createScreen(undefined)).toBeUndefined();
    expect(createScreen({ enabled: false })).toBeUndefined();
    expect(() => createScreen({ policy: { default: { action: 'hash' } } })).toThrow(
      'Invalid detection config:\n- detection.policy.default: action "hash" needs a key',
    );
    const config: DetectionConfig = { minLikelihood: 'LIKELY', hashKey: '0123456789abcdef0123', policy: { infoTypes: { EMAIL_ADDRESS: { action: 'hash' } } } };
    const metrics = new DetectionMetrics();
    const [s] = await createScreen(config, metrics)!.screen('public.t', [{ before: null, after: { email: 'a@example.com', ref: '536228765' } }]);
    expect(s.after!.email).toBe(createHmac('sha256', '0123456789abcdef0123').update('a@example.com').digest('base64'));
    // an unformatted 9-digit number without context is UNLIKELY, below minLikelihood
    expect(s.flags.map((f) => f.infoType)).toEqual(['EMAIL_ADDRESS']);
    expect(metrics.findingCounts()).toEqual([{ table: 'public.t', infoType: 'EMAIL_ADDRESS', action: 'hash', count: 1 }]);
  });
});
