import { Construct, IConstruct } from 'constructs';
import { DataCatalogTaxonomy } from '@cdktf/provider-google/lib/data-catalog-taxonomy';
import { DataCatalogPolicyTag } from '@cdktf/provider-google/lib/data-catalog-policy-tag';
import { DataCatalogPolicyTagIamMember } from '@cdktf/provider-google/lib/data-catalog-policy-tag-iam-member';
import { validateProps } from '../core/validation';
import { IColumnAccessControl } from '../access/access-types';
import { DATA_SENSITIVITIES, DataSensitivity, SENSITIVE_LABELS } from '../sources/source-table';
import { stableKey } from '../core/stable-key';

/** Role that lets a member read columns carrying a policy tag. */
export const FINE_GRAINED_READER_ROLE = 'roles/datacatalog.categoryFineGrainedReader';

/**
 * Default display names of the policy tags, by label. Data Catalog accepts only letters, numbers,
 * '_', '-' and spaces in them (see {@link isCatalogDisplayName}): no parentheses.
 */
export const POLICY_TAG_DISPLAY_NAMES: Record<DataSensitivity, string> = {
  public: 'Public',
  internal: 'Internal',
  confidential: 'Confidential',
  pii: 'PII',
  'pii-high': 'PII high',
  pci: 'PCI cardholder data',
  phi: 'PHI health data',
};

/** What {@link isCatalogDisplayName} allows, as validation messages say it. */
export const CATALOG_DISPLAY_NAME_RULE =
  "1-200 bytes (UTF-8) of letters, numbers, '_', '-' and spaces, not starting or ending with a space (Data Catalog display names)";

/**
 * Whether Data Catalog accepts `name` as a taxonomy or policy tag display name. Its v1 API (and the
 * provider's docs of `google_data_catalog_taxonomy` and `google_data_catalog_policy_tag`, which do
 * not check it) say: "contain only unicode letters, numbers, underscores, dashes and spaces; not
 * start or end with spaces; and be at most 200 bytes long when encoded in UTF-8". A name outside
 * that passes `terraform validate` and fails `apply` with a 400.
 */
export function isCatalogDisplayName(name: string): boolean {
  return /^[\p{L}\p{N}_-](?:[\p{L}\p{N}_ -]*[\p{L}\p{N}_-])?$/u.test(name) && Buffer.byteLength(name, 'utf8') <= 200;
}

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
  /** Taxonomy display name, unique in the organization; letters, numbers, '_', '-' and inner spaces, at most 200 UTF-8 bytes. @default 'Data sensitivity' */
  readonly displayName?: string;
  /**
   * Display names of the policy tags, by label (those not given keep {@link POLICY_TAG_DISPLAY_NAMES}).
   * Letters, numbers, '_', '-' and inner spaces, at most 200 UTF-8 bytes, unique in the taxonomy.
   * @default POLICY_TAG_DISPLAY_NAMES
   */
  readonly policyTagDisplayNames?: Partial<Record<DataSensitivity, string>>;
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
    const tagNames: Partial<Record<DataSensitivity, string>> = {};
    for (const label of labels)
      if (DATA_SENSITIVITIES.includes(label)) tagNames[label] = props.policyTagDisplayNames?.[label] ?? POLICY_TAG_DISPLAY_NAMES[label];
    validateProps(this, (p) => {
      p.check(/^[a-z][a-z0-9-]*$/.test(this.region), 'region', this.region, "a lowercase location: 'us', 'eu' or a region such as 'europe-west1'");
      p.check(isCatalogDisplayName(displayName), 'displayName', displayName, CATALOG_DISPLAY_NAME_RULE);
      const owners = new Map<string, string>();
      for (const [label, name] of Object.entries(tagNames) as [DataSensitivity, string][]) {
        const at = `policyTagDisplayNames.${label}`;
        if (!isCatalogDisplayName(name)) p.add(at, name, CATALOG_DISPLAY_NAME_RULE);
        else if (owners.has(name)) p.add(at, name, `a display name no other tag of the taxonomy has (${owners.get(name)} has it)`);
        else owners.set(name, label);
      }
      for (const label of Object.keys(props.policyTagDisplayNames ?? {})) {
        if (!(label in tagNames))
          p.add(
            `policyTagDisplayNames.${label}`,
            props.policyTagDisplayNames![label as DataSensitivity],
            `a name for a label in protectedLabels (${labels.join(', ')})`,
          );
      }
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
      description:
        props.description ??
        `Sensitivity labels of source columns: ${labels.join(', ')}. Columns carrying a tag are readable only by its fine-grained readers.`,
      activatedPolicyTypes: ['FINE_GRAINED_ACCESS_CONTROL'],
    });
    for (const label of new Set(labels)) {
      if (!DATA_SENSITIVITIES.includes(label)) continue;
      this.policyTags[label] = new DataCatalogPolicyTag(this, `tag-${label}`, {
        taxonomy: this.taxonomy.id,
        displayName: tagNames[label] ?? POLICY_TAG_DISPLAY_NAMES[label],
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
    // Named after the Terraform expression of a member built from a reference (stable across apps).
    const id = `reader-${label}-${stableKey(this, member)}`;
    const existing = this.node.tryFindChild(id);
    if (existing) return existing;
    if (!tag) {
      this.node.addValidation({
        validate: () => [
          `grantColumnRead label: ${JSON.stringify(label)} is not valid; allowed: a label with a policy tag: ${this.protectedLabels.join(', ')}`,
        ],
      });
      return this;
    }
    if (member === 'allUsers' || member === 'allAuthenticatedUsers') {
      this.node.addValidation({
        validate: () => [
          `grantColumnRead member: ${JSON.stringify(member)} is not valid; allowed: a user, group, domain or service account (sensitive columns are never public)`,
        ],
      });
    }
    return new DataCatalogPolicyTagIamMember(this, id, { policyTag: tag.name, role: FINE_GRAINED_READER_ROLE, member });
  }
}
