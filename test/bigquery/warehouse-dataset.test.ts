import { WarehouseDataset } from '../../constructs/bigquery/warehouse-dataset';
import { PipelineServiceAccount } from '../../constructs/bigquery/pipeline-service-account';
import { problems, resources, synth } from '../helpers';

describe('WarehouseDataset', () => {
  test('is protected from deletion by default and grants least-privilege roles', () => {
    const json = synth((stack) => {
      const ds = new WarehouseDataset(stack, 'ds', { project: 'acme-data', datasetId: 'shop_cdc', labels: { owner: 'data-platform' } });
      const sa = new PipelineServiceAccount(stack, 'sa', { project: 'acme-data', accountId: 'sink-shop', projectRoles: ['roles/bigquery.jobUser'] });
      ds.grantWrite(sa.member);
      ds.grantRead('group:analysts@acme.com');
    });
    const [ds] = resources(json, 'google_bigquery_dataset');
    expect(ds).toMatchObject({ dataset_id: 'shop_cdc', project: 'acme-data', location: 'US', delete_contents_on_destroy: false, labels: { owner: 'data-platform' }, lifecycle: { prevent_destroy: true } });
    const members = resources(json, 'google_bigquery_dataset_iam_member').map((m) => `${m.role} ${m.member}`).sort();
    expect(members).toEqual([
      expect.stringMatching(/^roles\/bigquery\.dataEditor serviceAccount:\$\{google_service_account\.sa_account_[0-9A-F]+\.email\}$/),
      'roles/bigquery.dataViewer group:analysts@acme.com',
    ]);
    resources(json, 'google_bigquery_dataset_iam_member').forEach((m) => expect(m.dataset_id).toMatch(/^\$\{google_bigquery_dataset\.ds_dataset_[0-9A-F]+\.dataset_id\}$/));
    expect(resources(json, 'google_project_iam_member')).toEqual([
      expect.objectContaining({ project: 'acme-data', role: 'roles/bigquery.jobUser', member: expect.stringMatching(/^serviceAccount:\$\{google_service_account\.sa_account_[0-9A-F]+\.email\}$/) }),
    ]);
  });

  test('without protection the dataset can be destroyed', () => {
    const json = synth((stack) => new WarehouseDataset(stack, 'ds', { project: 'p-acme', datasetId: 'tmp', deletionProtection: false }));
    const [ds] = resources(json, 'google_bigquery_dataset');
    expect(ds.lifecycle).toBeUndefined();
    expect(ds.delete_contents_on_destroy).toBe(true);
  });

  test('refuses public members, bad ids, labels and broad roles', () => {
    const found = problems((stack) => {
      const ds = new WarehouseDataset(stack, 'ds', { project: 'acme-data', datasetId: 'bad-id', labels: { Owner: 'x' }, defaultTableExpirationMs: 1000 });
      ds.grantRead('allUsers');
      new PipelineServiceAccount(stack, 'sa', { project: 'acme-data', accountId: 'sa', projectRoles: ['roles/editor'] });
    });
    expect(found).toEqual([
      '[test/ds] datasetId: "bad-id" is not valid; allowed: 1-1024 letters, digits or \'_\'',
      '[test/ds] defaultTableExpirationMs: 1000 is not valid; allowed: an integer >= 3600000 (one hour)',
      "[test/ds] labels['Owner']: \"Owner\" is not valid; allowed: keys of 1-63 lowercase letters, digits, '_' or '-', starting with a letter",
      '[test/ds] grant member: "allUsers" is not valid; allowed: a user, group, domain or service account (warehouse data is never public)',
      '[test/sa] accountId: "sa" is not valid; allowed: 6-30 lowercase letters, digits or \'-\', starting with a letter',
      '[test/sa] projectRoles[0]: "roles/editor" is not valid; allowed: a narrow role; not roles/owner, roles/editor, roles/bigquery.admin, roles/iam.serviceAccountAdmin',
    ]);
  });
});
