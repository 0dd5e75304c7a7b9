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
    expect(ds).toMatchObject({
      dataset_id: 'shop_cdc',
      project: 'acme-data',
      location: 'US',
      delete_contents_on_destroy: false,
      labels: { owner: 'data-platform' },
      lifecycle: { prevent_destroy: true },
    });
    const members = resources(json, 'google_bigquery_dataset_iam_member')
      .map((m) => `${m.role} ${m.member}`)
      .sort();
    expect(members).toEqual([
      expect.stringMatching(/^roles\/bigquery\.dataEditor serviceAccount:\$\{google_service_account\.sa_account_[0-9A-F]+\.email\}$/),
      'roles/bigquery.dataViewer group:analysts@acme.com',
    ]);
    resources(json, 'google_bigquery_dataset_iam_member').forEach((m) =>
      expect(m.dataset_id).toMatch(/^\$\{google_bigquery_dataset\.ds_dataset_[0-9A-F]+\.dataset_id\}$/),
    );
    expect(resources(json, 'google_project_iam_member')).toEqual([
      expect.objectContaining({
        project: 'acme-data',
        role: 'roles/bigquery.jobUser',
        member: expect.stringMatching(/^serviceAccount:\$\{google_service_account\.sa_account_[0-9A-F]+\.email\}$/),
      }),
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

  test('audit #10: once an authorized view reads the dataset, every grant (earlier ones included) is a dataset access entry, never an IAM member that strips the view', () => {
    const json = synth((stack) => {
      const ds = new WarehouseDataset(stack, 'ds', { project: 'acme-data', datasetId: 'sales' });
      const sa = new PipelineServiceAccount(stack, 'sa', { project: 'acme-data', accountId: 'sales-loader' });
      const before = ds.grantWrite(sa.member);
      ds.grantRead('group:analysts@acme.com', { dependsOn: [sa.account] });
      expect(ds.usesDatasetAccess).toBe(false);
      ds.authorizeView(stack, 'view-access', { projectId: 'acme-data', datasetId: 'sales_products', tableId: 'daily' });
      ds.grantRead('domain:acme.com');
      ds.grantRead('principal://iam.googleapis.com/locations/global/workforcePools/p/subject/s');
      expect(ds.usesDatasetAccess).toBe(true);
      // The handle follows the switch: depends_on it names the access entry.
      expect(before.resource.terraformResourceType).toBe('google_bigquery_dataset_access');
    });
    expect(resources(json, 'google_bigquery_dataset_iam_member')).toEqual([]);
    const entries = resources(json, 'google_bigquery_dataset_access');
    const who = (a: any) => (a.view ? `view ${a.view.table_id}` : `${a.role} ${a.user_by_email ?? a.group_by_email ?? a.domain ?? a.iam_member}`);
    expect(entries.map(who).sort()).toEqual([
      expect.stringMatching(/^roles\/bigquery\.dataEditor \$\{google_service_account\.sa_account_[0-9A-F]+\.email\}$/),
      'roles/bigquery.dataViewer acme.com',
      'roles/bigquery.dataViewer analysts@acme.com',
      'roles/bigquery.dataViewer principal://iam.googleapis.com/locations/global/workforcePools/p/subject/s',
      'view daily',
    ]);
    entries.forEach((a) => expect(a.dataset_id).toMatch(/^\$\{google_bigquery_dataset\.ds_dataset_[0-9A-F]+\.dataset_id\}$/));
    // What a grant depended on before the switch, it depends on after.
    expect(entries.find((a) => a.group_by_email === 'analysts@acme.com').depends_on).toEqual([
      expect.stringMatching(/^google_service_account\.sa_account_[0-9A-F]+$/),
    ]);
  });

  test('audit #9: a grant naming by literal email a service account the app creates is refused; the reference is the way', () => {
    expect(
      problems((stack) => {
        const ds = new WarehouseDataset(stack, 'ds', { project: 'acme-data', datasetId: 'sales' });
        new PipelineServiceAccount(stack, 'sa', { project: 'acme-data', accountId: 'sales-loader' });
        ds.grantWrite('serviceAccount:sales-loader@acme-data.iam.gserviceaccount.com');
        ds.grantRead('serviceAccount:created-elsewhere@acme-data.iam.gserviceaccount.com');
      }),
    ).toEqual([
      '[test/ds] grant member: "serviceAccount:sales-loader@acme-data.iam.gserviceaccount.com" is not valid; allowed: the member attribute of the account test/sa/account creates (a literal email has no dependency edge: the grant races or precedes the account\'s creation)',
    ]);
  });
});
