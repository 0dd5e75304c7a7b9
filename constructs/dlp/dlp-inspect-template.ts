import { Construct } from 'constructs';
import { DataLossPreventionInspectTemplate } from '@cdktf/provider-google/lib/data-loss-prevention-inspect-template';
import { isIntIn, validateProps } from '../core/validation';
import { SENSITIVE_LABELS } from '../sources/source-table';
import { DLP_LIKELIHOODS, DLP_RESOURCE_ID, DlpLikelihood, INFO_TYPE_NAME, infoTypesFor } from './info-types';

/** A detector of the organisation's own: a regular expression named as an info type. */
export interface DlpCustomInfoType {
  /** Info type name, e.g. `WEPAY_ACCOUNT_ID`: upper-case letters, digits and '_'. */
  readonly name: string;
  /** RE2 regular expression the value must match. */
  readonly regex: string;
  /** Likelihood a match is reported with. @default 'LIKELY' */
  readonly likelihood?: DlpLikelihood;
}

/** Props of {@link DlpInspectTemplate}. */
export interface DlpInspectTemplateProps {
  /** Google Cloud project. */
  readonly project: string;
  /** DLP location; scans that use the template must run there. @default 'global' */
  readonly location?: string;
  /** Template id: letters, digits, '-' and '_', at most 100. */
  readonly templateId: string;
  /** Display name. @default the template id */
  readonly displayName?: string;
  /** Built-in info types to look for. @default those of every sensitive label (pii, pii-high, pci, phi) */
  readonly infoTypes?: string[];
  /** Organisation-specific detectors. @default none */
  readonly customInfoTypes?: DlpCustomInfoType[];
  /** Least likelihood reported. @default 'POSSIBLE' */
  readonly minLikelihood?: DlpLikelihood;
  /** Copy the matched text into findings. Off by default: findings would hold the very data they report. @default false */
  readonly includeQuote?: boolean;
  /** Most findings per request (0 = the service's maximum). @default 1000 */
  readonly maxFindingsPerRequest?: number;
}

/**
 * A Cloud DLP inspect template (`google_data_loss_prevention_inspect_template`): which info
 * types to look for, from which likelihood, with the organisation's own detectors. Scans name it
 * by {@link DlpInspectTemplate.templateName}.
 */
export class DlpInspectTemplate extends Construct {
  /** Full template name (`projects/p/locations/l/inspectTemplates/id`), as a reference for scans. */
  public readonly templateName: string;
  /** Info types looked for (built-in and custom). */
  public readonly infoTypes: string[];
  /** Location. */
  public readonly location: string;
  /** The resource. */
  public readonly template: DataLossPreventionInspectTemplate;

  constructor(scope: Construct, id: string, props: DlpInspectTemplateProps) {
    super(scope, id);
    // Required props checked at run time too (plain JavaScript, ts-node --transpile-only).
    validateProps.required(this, props, { project: 'string', templateId: 'string' });
    this.location = props.location ?? 'global';
    const builtIn = props.infoTypes ?? infoTypesFor(SENSITIVE_LABELS);
    const custom = props.customInfoTypes ?? [];
    this.infoTypes = [...builtIn, ...custom.map((c) => c.name)];
    const minLikelihood = props.minLikelihood ?? 'POSSIBLE';
    const maxFindings = props.maxFindingsPerRequest ?? 1000;
    validateProps(this, (p) => {
      p.check(DLP_RESOURCE_ID.test(props.templateId), 'templateId', props.templateId, "1-100 letters, digits, '-' or '_'");
      p.check(this.infoTypes.length > 0, 'infoTypes', builtIn, 'at least one info type (built-in or custom)');
      builtIn.forEach((t, i) => p.check(INFO_TYPE_NAME.test(t), `infoTypes[${i}]`, t, "an info type name such as 'EMAIL_ADDRESS'"));
      custom.forEach((c, i) => {
        p.check(INFO_TYPE_NAME.test(c.name), `customInfoTypes[${i}].name`, c.name, "upper-case letters, digits and '_', e.g. 'ACME_ACCOUNT_ID'");
        p.check(!builtIn.includes(c.name), `customInfoTypes[${i}].name`, c.name, 'a name no built-in info type of this template has');
        p.check(isRegex(c.regex), `customInfoTypes[${i}].regex`, c.regex, 'a regular expression');
        if (c.likelihood !== undefined)
          p.check(DLP_LIKELIHOODS.includes(c.likelihood), `customInfoTypes[${i}].likelihood`, c.likelihood, DLP_LIKELIHOODS.join(', '));
      });
      p.check(DLP_LIKELIHOODS.includes(minLikelihood), 'minLikelihood', minLikelihood, DLP_LIKELIHOODS.join(', '));
      p.check(isIntIn(maxFindings, 0, 2000), 'maxFindingsPerRequest', maxFindings, 'an integer from 0 to 2000');
    });
    this.template = new DataLossPreventionInspectTemplate(this, 'template', {
      parent: `projects/${props.project}/locations/${this.location}`,
      templateId: props.templateId,
      displayName: props.displayName ?? props.templateId,
      description: `Looks for ${this.infoTypes.join(', ')} from likelihood ${minLikelihood}.`,
      inspectConfig: {
        infoTypes: builtIn.map((name) => ({ name })),
        customInfoTypes:
          custom.length > 0
            ? custom.map((c) => ({ infoType: { name: c.name }, regex: { pattern: c.regex }, likelihood: c.likelihood ?? 'LIKELY' }))
            : undefined,
        minLikelihood,
        includeQuote: props.includeQuote ?? false,
        limits: { maxFindingsPerItem: 0, maxFindingsPerRequest: maxFindings },
      },
    });
    // A reference, so scans are created after the template.
    this.templateName = this.template.name;
  }
}

function isRegex(text: string): boolean {
  if (text.length === 0) return false;
  try {
    new RegExp(text);
    return true;
  } catch {
    return false;
  }
}
