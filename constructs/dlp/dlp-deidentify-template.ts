import { Construct } from 'constructs';
import { DataLossPreventionDeidentifyTemplate } from '@cdktf/provider-google/lib/data-loss-prevention-deidentify-template';
import { validateProps } from '../core/validation';
import { SENSITIVE_LABELS } from '../sources/source-table';
import { DLP_RESOURCE_ID, INFO_TYPE_NAME, infoTypesFor } from './info-types';

/**
 * How a finding is de-identified:
 * - `info-type`: replaced by its info type, e.g. `[EMAIL_ADDRESS]`;
 * - `mask`: every character replaced by `*`;
 * - `mask-keep-last-4`: all but the last four characters masked (card and phone numbers);
 * - `redact`: removed.
 */
export type DlpTransformation = 'info-type' | 'mask' | 'mask-keep-last-4' | 'redact';

const TRANSFORMATIONS: readonly DlpTransformation[] = ['info-type', 'mask', 'mask-keep-last-4', 'redact'];

/** Props of {@link DlpDeidentifyTemplate}. */
export interface DlpDeidentifyTemplateProps {
  /** Google Cloud project. */
  readonly project: string;
  /** DLP location. @default 'global' */
  readonly location?: string;
  /** Template id: letters, digits, '-' and '_', at most 100. */
  readonly templateId: string;
  /** Display name. @default the template id */
  readonly displayName?: string;
  /** Transformation per info type; info types not listed get `defaultTransformation`. @default card numbers keep their last 4 digits */
  readonly transformations?: Record<string, DlpTransformation>;
  /** Info types the default transformation applies to. @default those of every sensitive label */
  readonly infoTypes?: string[];
  /** Transformation of info types without their own. @default 'info-type' */
  readonly defaultTransformation?: DlpTransformation;
}

/**
 * A Cloud DLP de-identify template (`google_data_loss_prevention_deidentify_template`): what
 * replaces each info type when data is copied somewhere less protected (a sample for
 * developers, a support export). By default every finding becomes its info type's name and card
 * numbers keep their last four digits.
 */
export class DlpDeidentifyTemplate extends Construct {
  /** Full template name (`projects/p/locations/l/deidentifyTemplates/id`), as a reference. */
  public readonly templateName: string;
  /** The resource. */
  public readonly template: DataLossPreventionDeidentifyTemplate;
  /** Transformation per info type, as applied. */
  public readonly transformations: Record<string, DlpTransformation>;

  constructor(scope: Construct, id: string, props: DlpDeidentifyTemplateProps) {
    super(scope, id);
    // Required props checked at run time too (plain JavaScript, ts-node --transpile-only).
    validateProps.required(this, props, { project: 'string', templateId: 'string' });
    const location = props.location ?? 'global';
    const fallback = props.defaultTransformation ?? 'info-type';
    const own = props.transformations ?? { CREDIT_CARD_NUMBER: 'mask-keep-last-4' };
    const all: Record<string, DlpTransformation> = {};
    for (const t of props.infoTypes ?? infoTypesFor(SENSITIVE_LABELS)) all[t] = fallback;
    Object.assign(all, own);
    this.transformations = all;
    validateProps(this, (p) => {
      p.check(DLP_RESOURCE_ID.test(props.templateId), 'templateId', props.templateId, "1-100 letters, digits, '-' or '_'");
      p.check(TRANSFORMATIONS.includes(fallback), 'defaultTransformation', fallback, TRANSFORMATIONS.join(', '));
      for (const [type, how] of Object.entries(all)) {
        p.check(INFO_TYPE_NAME.test(type), `transformations['${type}']`, type, "an info type name such as 'EMAIL_ADDRESS'");
        p.check(TRANSFORMATIONS.includes(how), `transformations['${type}']`, how, TRANSFORMATIONS.join(', '));
      }
      p.check(Object.keys(all).length > 0, 'infoTypes', [], 'at least one info type');
    });
    // One transformation entry per kind, listing its info types (DLP's own grouping).
    const byKind = new Map<DlpTransformation, string[]>();
    for (const [type, how] of Object.entries(all)) byKind.set(how, [...(byKind.get(how) ?? []), type]);
    this.template = new DataLossPreventionDeidentifyTemplate(this, 'template', {
      parent: `projects/${props.project}/locations/${location}`,
      templateId: props.templateId,
      displayName: props.displayName ?? props.templateId,
      description: `De-identifies ${Object.keys(all).length} info types.`,
      deidentifyConfig: {
        infoTypeTransformations: {
          transformations: [...byKind.entries()].map(([how, types]) => ({
            infoTypes: types.map((name) => ({ name })),
            primitiveTransformation: primitive(how),
          })),
        },
      },
    });
    // A reference, so scans are created after the template.
    this.templateName = this.template.name;
  }
}

function primitive(how: DlpTransformation) {
  switch (how) {
    case 'mask':
      return { characterMaskConfig: { maskingCharacter: '*' } };
    case 'mask-keep-last-4':
      return { characterMaskConfig: { maskingCharacter: '*', numberToMask: -4, charactersToIgnore: [{ charactersToSkip: '- ' }] } };
    case 'redact':
      return { redactConfig: {} };
    case 'info-type':
    default:
      return { replaceWithInfoTypeConfig: true };
  }
}
