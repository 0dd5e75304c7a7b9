import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';

// GitHub's workflow schema, compiled into @action-validator/core (WASM).
const { validateWorkflow } = require('@action-validator/core') as { validateWorkflow: (src: string) => { errors: unknown[] } };

const file = path.join(__dirname, '..', '..', '.github', 'workflows', 'data-pipelines.yml');
const text = fs.readFileSync(file, 'utf8');

describe('the example CI workflow', () => {
  test('validates against the GitHub workflow schema', () => {
    expect(validateWorkflow(text).errors).toEqual([]);
  });

  test('the validator does reject a broken workflow', () => {
    expect(validateWorkflow('on: push\njobs:\n  x:\n    runs-on: 5\n    stepz: []\n').errors.length).toBeGreaterThan(0);
  });

  test('uses Workload Identity Federation and no key secrets; plans on PRs and deploys on main', () => {
    const wf = parse(text);
    expect(wf.permissions['id-token']).toBe('write');
    expect(text).not.toMatch(/credentials_json|GOOGLE_CREDENTIALS|service_account_key/i);
    const auth = wf.jobs.deploy.steps.find((s: any) => String(s.uses).startsWith('google-github-actions/auth'));
    expect(Object.keys(auth.with).sort()).toEqual(['service_account', 'workload_identity_provider']);
    expect(wf.jobs.plan.if).toContain("github.event_name == 'pull_request'");
    expect(wf.jobs.deploy.if).toContain("github.event_name == 'push'");
    expect(
      wf.jobs.plan.steps
        .map((s: any) => s.run)
        .filter(Boolean)
        .join('\n'),
    ).toContain('cdktf diff');
    expect(
      wf.jobs.deploy.steps
        .map((s: any) => s.run)
        .filter(Boolean)
        .join('\n'),
    ).toContain('cdktf deploy');
  });
});
