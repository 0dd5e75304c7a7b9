import { Construct, IConstruct } from 'constructs';
import { DataCatalogTaxonomy } from '@cdktf/provider-google/lib/data-catalog-taxonomy';
import { DataCatalogPolicyTag } from '@cdktf/provider-google/lib/data-catalog-policy-tag';
import { DataCatalogPolicyTagIamMember } from '@cdktf/provider-google/lib/data-catalog-policy-tag-iam-member';
import { validateProps } from '../core/validation';
import { IColumnAccessControl } from '../access/access-types';
import { DATA_SENSITIVITIES, DataSensitivity, SENSITIVE_LABELS } from '../sources/source-table';

/** Role that lets a member read columns carrying a policy tag. */
export const FINE_GRAINED_READER_ROLE = 'roles/datacatalog.categoryFineGrainedReader';

/** Display names of the policy tags, by label. */
export const POLICY_TAG_DISPLAY_NAMES: Record<DataSensitivity, string> = {
  public: 'Public',
  internal: 'Internal',
  confidential: 'Confidential',
  pii: 'PII',
  'pii-high': 'PII (high)',
  pci: 'PCI (cardholder data)',
  phi: 'PHI (health data)',
};

/** What each label means, written into the policy tag's description. */
export const POLICY_TAG_DESCRIPTIONS: Record<DataSensitivity, string> = {
  public: 'May be published.',
  internal: 'For employees; no personal data.',
  confidential: 'Business-confidential; no personal data.',
  pii: 'Personal data (GDPR Art. 4(1)): email, phone, name, address.',
  'pii-high': 'Personal data whose leak harms the person: national ids, tax ids, bank accounts.',
  pci: 'Cardholder data under PCI DSS: primary account numbers.',
  phi: 'Protected health information under HIPAA.',
};

/** Props of {@link DataClassification}. */
export interface DataClassificationProps {
  /** Google Cloud project of the taxonomy. */
  readonly project: string;
  /**
   * Location of the taxonomy; must be the location of the datasets whose columns it tags,
   * lowercased (`us`, `eu` or a region such as `europe-west1`).
   * @default 'us'
   */
  readonly region?: string;
  /** Taxonomy display name, unique in the organization. @default 'Data sensitivity' */
  readonly displayName?: string;
  /** Taxonomy description. @default a sentence naming the labels */
  readonly description?: string;
  /** Labels that get a policy tag (column-level security). @default the sensitive labels: pii, pii-high, pci, phi */
  readonly protectedLabels?: DataSensitivity[];
}

/**
 * Classification for column-level security: a Data Catalog taxonomy
 * (`google_data_catalog_taxonomy`, fine-grained access control on) with one policy tag
 * (`google_data_catalog_policy_tag`) per sensitive label that source tables use. Columns labelled
 * so in a {@link SourceTable} carry the tag in BigQuery (see {@link ClassifiedTable}); only members
 * granted Fine-Grained Reader on the tag read them. Tags are flat: reading `pii` does not grant
 * `pii-high`.
 */
export class DataClassification extends Construct implements IColumnAccessControl {
  /** The taxonomy. */
  public readonly taxonomy: DataCatalogTaxonomy;
  /** Policy tags by label. */
  public readonly policyTags: Partial<Record<DataSensitivity, DataCatalogPolicyTag>> = {};
  /** Labels with a policy tag. */
  public readonly protectedLabels: readonly DataSensitivity[];
  /** Location of the taxonomy. */
  public readonly region: string;
  /** Project. */
  public readonly project: string;

  constructor(scope: Construct, id: string, props: DataClassificationProps) {
    super(scope, id);
    // Required props checked at run time too (plain JavaScript, ts-node --transpile-only).
    validateProps.required(this, props, { project: 'string' });
    this.region = props.region ?? 'us';
    this.project = props.project;
    const labels = props.protectedLabels ?? [...SENSITIVE_LABELS];
    this.protectedLabels = labels;
    const displayName = props.displayName ?? 'Data sensitivity';
    validateProps(this, (p) => {
      p.check(/^[a-z][a-z0-9-]*$/.test(this.region), 'region', this.region, "a lowercase location: 'us', 'eu' or a region such as 'europe-west1'");
      p.check(/^[\p{L}\p{N}_-](?:[\p{L}\p{N}_ -]{0,198}[\p{L}\p{N}_-])?$/u.test(displayName), 'displayName', displayName, "1-200 letters, digits, '_', '-' and inner spaces");
      p.check(labels.length > 0, 'protectedLabels', labels, 'at least one label');
      labels.forEach((l, i) => {
        p.check(DATA_SENSITIVITIES.includes(l), `protectedLabels[${i}]`, l, DATA_SENSITIVITIES.join(', '));
        p.check(labels.indexOf(l) === i, `protectedLabels[${i}]`, l, 'each label once');
      });
    });
    this.taxonomy = new DataCatalogTaxonomy(this, 'taxonomy', {
      project: props.project,
      region: this.region,
      displayName,
      description: props.description ?? `Sensitivity labels of source columns: ${labels.join(', ')}. Columns carrying a tag are readable only by its fine-grained readers.`,
      activatedPolicyTypes: ['FINE_GRAINED_ACCESS_CONTROL'],
    });
    for (const label of new Set(labels)) {
      if (!DATA_SENSITIVITIES.includes(label)) continue;
      this.policyTags[label] = new DataCatalogPolicyTag(this, `tag-${label}`, {
        taxonomy: this.taxonomy.id,
        displayName: POLICY_TAG_DISPLAY_NAMES[label],
        description: POLICY_TAG_DESCRIPTIONS[label],
      });
    }
  }

  /** The policy tag's resource name for a label (for BigQuery schemas), or undefined if the label has none. */
  public policyTagName(label: DataSensitivity): string | undefined {
    return this.policyTags[label]?.name;
  }

  /** Lets `member` read columns labelled `label`: Fine-Grained Reader on its policy tag. Granting twice returns the first binding. */
  public grantColumnRead(label: DataSensitivity, member: string): IConstruct {
    const tag = this.policyTags[label];
    const id = `reader-${label}-${member.replace(/[^A-Za-z0-9_-]+/g, '_')}`;
    const existing = this.node.tryFindChild(id);
    if (existing) return existing;
    if (!tag) {
      this.node.addValidation({ validate: () => [`grantColumnRead label: ${JSON.stringify(label)} is not valid; allowed: a label with a policy tag: ${this.protectedLabels.join(', ')}`] });
      return this;
    }
    if (member === 'allUsers' || member === 'allAuthenticatedUsers') {
      this.node.addValidation({ validate: () => [`grantColumnRead member: ${JSON.stringify(member)} is not valid; allowed: a user, group, domain or service account (sensitive columns are never public)`] });
    }
    return new DataCatalogPolicyTagIamMember(this, id, { policyTag: tag.name, role: FINE_GRAINED_READER_ROLE, member });
  }
}
