import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { synthReferenceApp } from '../../stacks/reference-app';
import { REFERENCE_STACKS } from '../../stacks/registry';
import { TerraformWorkdir, withoutGoogle } from './terraform';

/**
 * `terraform init` + `validate` of every reference stack with the real Mongey/kafka and
 * Mongey/kafka-connect providers from the harness's mirror. The hashicorp/google provider cannot
 * be built here (its v6 module is not served by the Go proxy), so Google resources are removed
 * first and checked by the unit tests' assertions on the synthesized JSON instead.
 */
describe('terraform validate of every reference stack', () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdp-validate-'));
  synthReferenceApp({ outdir });

  test.each(Object.keys(REFERENCE_STACKS))('%s', (name) => {
    const synthesized = JSON.parse(fs.readFileSync(path.join(outdir, 'stacks', name, 'cdk.tf.json'), 'utf8'));
    const { json } = withoutGoogle(synthesized);
    const kafkaResources = Object.keys(json.resource ?? {}).filter((t) => t.startsWith('kafka')).length;
    const tf = new TerraformWorkdir(json);
    tf.must(['init', '-backend=false', '-input=false', '-no-color']);
    const result = tf.must(['validate', '-json', '-no-color'], [0, 1]);
    const report = JSON.parse(result.stdout);
    expect({ name, valid: report.valid, diagnostics: report.diagnostics }).toEqual({ name, valid: true, diagnostics: [] });
    // A stack with Kafka parts must still have them after Google parts are removed.
    if (synthesized.resource && Object.keys(synthesized.resource).some((t: string) => t.startsWith('kafka'))) expect(kafkaResources).toBeGreaterThan(0);
  });
});
