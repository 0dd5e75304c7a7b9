import { DlpInspectTemplate } from '../../constructs/dlp/dlp-inspect-template';
import { infoTypesFor } from '../../constructs/dlp/info-types';
import { problems, resources, synth } from '../helpers';

describe('DlpInspectTemplate', () => {
  test('looks for the info types of every sensitive label by default, without quoting findings', () => {
    const json = synth((stack) => new DlpInspectTemplate(stack, 'inspect', { project: 'acme-data', templateId: 'warehouse-sensitive' }));
    const [t] = resources(json, 'google_data_loss_prevention_inspect_template');
    expect(t).toMatchObject({
      parent: 'projects/acme-data/locations/global',
      template_id: 'warehouse-sensitive',
      display_name: 'warehouse-sensitive',
      inspect_config: {
        min_likelihood: 'POSSIBLE',
        include_quote: false,
        limits: { max_findings_per_item: 0, max_findings_per_request: 1000 },
      },
    });
    expect(t.inspect_config.info_types.map((i: any) => i.name)).toEqual([
      'EMAIL_ADDRESS',
      'PHONE_NUMBER',
      'PERSON_NAME',
      'STREET_ADDRESS',
      'IP_ADDRESS',
      'US_SOCIAL_SECURITY_NUMBER',
      'US_INDIVIDUAL_TAXPAYER_IDENTIFICATION_NUMBER',
      'US_EMPLOYER_IDENTIFICATION_NUMBER',
      'PASSPORT',
      'IBAN_CODE',
      'CREDIT_CARD_NUMBER',
      'CREDIT_CARD_TRACK_NUMBER',
      'US_HEALTHCARE_NPI',
      'US_DEA_NUMBER',
      'US_MEDICARE_BENEFICIARY_ID_NUMBER',
    ]);
    expect(t.inspect_config.custom_info_types).toBeUndefined();
  });

  test('custom info types, likelihood and a narrower set of info types', () => {
    const json = synth(
      (stack) =>
        new DlpInspectTemplate(stack, 'inspect', {
          project: 'acme-data',
          location: 'us',
          templateId: 'cards',
          infoTypes: infoTypesFor(['pci']),
          customInfoTypes: [{ name: 'WEPAY_ACCOUNT_ID', regex: 'WP-[0-9]{10}' }],
          minLikelihood: 'LIKELY',
        }),
    );
    const [t] = resources(json, 'google_data_loss_prevention_inspect_template');
    expect(t.parent).toBe('projects/acme-data/locations/us');
    expect(t.inspect_config).toMatchObject({
      min_likelihood: 'LIKELY',
      info_types: [{ name: 'CREDIT_CARD_NUMBER' }, { name: 'CREDIT_CARD_TRACK_NUMBER' }],
      custom_info_types: [{ info_type: { name: 'WEPAY_ACCOUNT_ID' }, regex: { pattern: 'WP-[0-9]{10}' }, likelihood: 'LIKELY' }],
    });
    expect(t.description).toBe('Looks for CREDIT_CARD_NUMBER, CREDIT_CARD_TRACK_NUMBER, WEPAY_ACCOUNT_ID from likelihood LIKELY.');
  });

  test('refuses bad ids, info types, regexes and limits', () => {
    const found = problems(
      (stack) =>
        new DlpInspectTemplate(stack, 'i', {
          project: 'acme-data',
          templateId: 'bad id',
          infoTypes: ['email'],
          customInfoTypes: [{ name: 'EMAIL_ADDRESS', regex: '(' }],
          minLikelihood: 'SURE' as any,
          maxFindingsPerRequest: 5000,
        }),
    );
    expect(found).toEqual([
      "[test/i] templateId: \"bad id\" is not valid; allowed: 1-100 letters, digits, '-' or '_'",
      '[test/i] infoTypes[0]: "email" is not valid; allowed: an info type name such as \'EMAIL_ADDRESS\'',
      '[test/i] customInfoTypes[0].regex: "(" is not valid; allowed: a regular expression',
      '[test/i] minLikelihood: "SURE" is not valid; allowed: VERY_UNLIKELY, UNLIKELY, POSSIBLE, LIKELY, VERY_LIKELY',
      '[test/i] maxFindingsPerRequest: 5000 is not valid; allowed: an integer from 0 to 2000',
    ]);
  });
});
