import { DlpDeidentifyTemplate } from '../../constructs/dlp/dlp-deidentify-template';
import { problems, resources, synth } from '../helpers';

describe('DlpDeidentifyTemplate', () => {
  test('replaces findings by their info type; card numbers keep their last four digits', () => {
    const json = synth(
      (stack) =>
        new DlpDeidentifyTemplate(stack, 'deid', { project: 'acme-data', templateId: 'warehouse-deid', infoTypes: ['EMAIL_ADDRESS', 'CREDIT_CARD_NUMBER'] }),
    );
    const [t] = resources(json, 'google_data_loss_prevention_deidentify_template');
    expect(t).toMatchObject({ parent: 'projects/acme-data/locations/global', template_id: 'warehouse-deid' });
    expect(t.deidentify_config.info_type_transformations.transformations).toEqual([
      { info_types: [{ name: 'EMAIL_ADDRESS' }], primitive_transformation: { replace_with_info_type_config: true } },
      {
        info_types: [{ name: 'CREDIT_CARD_NUMBER' }],
        primitive_transformation: {
          character_mask_config: { masking_character: '*', number_to_mask: -4, characters_to_ignore: [{ characters_to_skip: '- ' }] },
        },
      },
    ]);
  });

  test('groups info types by transformation and refuses unknown ones', () => {
    const json = synth(
      (stack) =>
        new DlpDeidentifyTemplate(stack, 'deid', {
          project: 'acme-data',
          templateId: 'd',
          infoTypes: ['EMAIL_ADDRESS', 'PHONE_NUMBER'],
          defaultTransformation: 'redact',
          transformations: { PHONE_NUMBER: 'mask' },
        }),
    );
    expect(resources(json, 'google_data_loss_prevention_deidentify_template')[0].deidentify_config.info_type_transformations.transformations).toEqual([
      { info_types: [{ name: 'EMAIL_ADDRESS' }], primitive_transformation: { redact_config: {} } },
      { info_types: [{ name: 'PHONE_NUMBER' }], primitive_transformation: { character_mask_config: { masking_character: '*' } } },
    ]);
    expect(
      problems((stack) => new DlpDeidentifyTemplate(stack, 'd', { project: 'acme-data', templateId: 'd', transformations: { PHONE_NUMBER: 'shred' as any } })),
    ).toEqual(['[test/d] transformations[\'PHONE_NUMBER\']: "shred" is not valid; allowed: info-type, mask, mask-keep-last-4, redact']);
  });
});
