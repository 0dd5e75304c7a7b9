import { AccessModel } from '../../constructs/access/access-model';
import { DataClassification } from '../../constructs/catalog/data-classification';
import { problems, resources, synth } from '../helpers';

describe('DataClassification', () => {
  test('one taxonomy with fine-grained access control and one flat policy tag per sensitive label', () => {
    const json = synth((stack) => new DataClassification(stack, 'classification', { project: 'acme-data' }));
    expect(resources(json, 'google_data_catalog_taxonomy')).toEqual([
      expect.objectContaining({
        project: 'acme-data',
        region: 'us',
        display_name: 'Data sensitivity',
        activated_policy_types: ['FINE_GRAINED_ACCESS_CONTROL'],
      }),
    ]);
    const tags = resources(json, 'google_data_catalog_policy_tag');
    expect(tags.map((t) => t.display_name).sort()).toEqual(['PCI cardholder data', 'PHI health data', 'PII', 'PII high']);
    tags.forEach((t) => {
      expect(t.taxonomy).toMatch(/^\$\{google_data_catalog_taxonomy\.classification_taxonomy_[0-9A-F]+\.id\}$/);
      expect(t.parent_policy_tag).toBeUndefined();
    });
  });

  test('column grants of the access model become exactly these Fine-Grained Reader bindings', () => {
    const json = synth((stack) => {
      const classification = new DataClassification(stack, 'classification', { project: 'acme-data', protectedLabels: ['pii', 'pci'] });
      new AccessModel(stack, 'access', {
        classification,
        principals: [
          { name: 'privacy', google: 'group:privacy@acme.com', roles: ['pii', 'cards'] },
          { name: 'support', google: 'group:support@acme.com', roles: ['pii'] },
        ],
        roles: [
          { name: 'pii', grants: [{ columns: 'pii' }] },
          { name: 'cards', grants: [{ columns: ['pci', 'pii'] }] },
        ],
      });
    });
    const bindings = resources(json, 'google_data_catalog_policy_tag_iam_member')
      .map((b) => `${b.policy_tag.replace(/^\$\{google_data_catalog_policy_tag\.classification_tag-([a-z-]+)_[0-9A-F]+\.name\}$/, '$1')} ${b.role} ${b.member}`)
      .sort();
    expect(bindings).toEqual([
      'pci roles/datacatalog.categoryFineGrainedReader group:privacy@acme.com',
      'pii roles/datacatalog.categoryFineGrainedReader group:privacy@acme.com',
      'pii roles/datacatalog.categoryFineGrainedReader group:support@acme.com',
    ]);
  });

  test('refuses bad locations, names, labels and public readers', () => {
    const found = problems((stack) => {
      const c = new DataClassification(stack, 'c', {
        project: 'acme-data',
        region: 'US',
        displayName: ' bad!',
        protectedLabels: ['pii', 'pii', 'secret' as any],
      });
      c.grantColumnRead('pii', 'allUsers');
      c.grantColumnRead('phi', 'group:x@acme.com');
    });
    expect(found).toEqual([
      "[test/c] region: \"US\" is not valid; allowed: a lowercase location: 'us', 'eu' or a region such as 'europe-west1'",
      "[test/c] displayName: \" bad!\" is not valid; allowed: 1-200 bytes (UTF-8) of letters, numbers, '_', '-' and spaces, not starting or ending with a space (Data Catalog display names)",
      '[test/c] protectedLabels[1]: "pii" is not valid; allowed: each label once',
      '[test/c] protectedLabels[2]: "secret" is not valid; allowed: public, internal, confidential, pii, pii-high, pci, phi',
      '[test/c] grantColumnRead member: "allUsers" is not valid; allowed: a user, group, domain or service account (sensitive columns are never public)',
      '[test/c] grantColumnRead label: "phi" is not valid; allowed: a label with a policy tag: pii, pii, secret',
    ]);
  });
});

describe('DataClassification display names (Data Catalog API rules)', () => {
  // Data Catalog v1 PolicyTag.display_name (and the provider's google_data_catalog_policy_tag doc):
  // "contain only unicode letters, numbers, underscores, dashes and spaces; not start or end with
  // spaces; and be at most 200 bytes long when encoded in UTF-8", unique within the taxonomy.
  // The provider does not check it, so a bad name passes validate and fails apply with a 400.
  const API_RULE = /^[\p{L}\p{N}_-](?:[\p{L}\p{N}_ -]*[\p{L}\p{N}_-])?$/u;

  test("audit #20: the default policy tag display names use only letters, numbers, '_', '-' and spaces (no parentheses)", () => {
    const json = synth(
      (stack) =>
        new DataClassification(stack, 'classification', {
          project: 'acme-data',
          protectedLabels: ['public', 'internal', 'confidential', 'pii', 'pii-high', 'pci', 'phi'],
        }),
    );
    const names = resources(json, 'google_data_catalog_policy_tag').map((t) => t.display_name);
    expect(names.sort()).toEqual(['Confidential', 'Internal', 'PCI cardholder data', 'PHI health data', 'PII', 'PII high', 'Public']);
    for (const n of names) {
      expect(n).toMatch(API_RULE);
      expect(Buffer.byteLength(n, 'utf8')).toBeLessThanOrEqual(200);
    }
  });

  test('audit #20: display names can be chosen per label and are checked at synth: characters, 200 UTF-8 bytes, unique in the taxonomy', () => {
    const json = synth(
      (stack) =>
        new DataClassification(stack, 'c', {
          project: 'acme-data',
          protectedLabels: ['pii', 'pci'],
          policyTagDisplayNames: { pii: 'Données personnelles', pci: 'Kartendaten_PCI-DSS' },
        }),
    );
    expect(
      resources(json, 'google_data_catalog_policy_tag')
        .map((t) => t.display_name)
        .sort(),
    ).toEqual(['Données personnelles', 'Kartendaten_PCI-DSS']);
    const found = problems((stack) => {
      new DataClassification(stack, 'paren', {
        project: 'acme-data',
        protectedLabels: ['pii', 'pci', 'phi'],
        policyTagDisplayNames: { pii: 'PII (high)', pci: 'PCI ', phi: 'é'.repeat(101) },
      });
      new DataClassification(stack, 'dup', {
        project: 'acme-data',
        displayName: 'é'.repeat(101),
        protectedLabels: ['pii', 'pii-high'],
        policyTagDisplayNames: { pii: 'Personal', 'pii-high': 'Personal', phi: 'Health' },
      });
    });
    const rule = "1-200 bytes (UTF-8) of letters, numbers, '_', '-' and spaces, not starting or ending with a space (Data Catalog display names)";
    expect(found).toEqual([
      `[test/paren] policyTagDisplayNames.pii: "PII (high)" is not valid; allowed: ${rule}`,
      `[test/paren] policyTagDisplayNames.pci: "PCI " is not valid; allowed: ${rule}`,
      `[test/paren] policyTagDisplayNames.phi: "${'é'.repeat(101)}" is not valid; allowed: ${rule}`,
      `[test/dup] displayName: "${'é'.repeat(101)}" is not valid; allowed: ${rule}`,
      '[test/dup] policyTagDisplayNames.pii-high: "Personal" is not valid; allowed: a display name no other tag of the taxonomy has (pii has it)',
      '[test/dup] policyTagDisplayNames.phi: "Health" is not valid; allowed: a name for a label in protectedLabels (pii, pii-high)',
    ]);
  });
});
