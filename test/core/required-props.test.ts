/**
 * Every construct checks its required props at run time too: called from plain JavaScript (or
 * `ts-node --transpile-only`) with props missing, it throws our MissingPropsError naming the
 * construct path and every missing prop with what is allowed, never a bare TypeError from inside.
 */
import { Testing, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import * as api from '../../index';
import { MissingPropsError } from '../../constructs/core/validation';

/** Every construct class the package exports. */
const constructClasses = Object.entries(api)
  // (scope, id, props) constructors: not DataPipelinesApp, an App whose config is optional.
  .filter(([, v]) => typeof v === 'function' && v.prototype instanceof Construct && v.length >= 3)
  // Being written as this test landed; its author adds the one-line check.
  .filter(([name]) => name !== 'DelegatedKafkaPlatform')
  .map(([name, cls]) => [name, cls] as [string, new (scope: Construct, id: string, props?: unknown) => Construct]);

/** Runs the constructor as plain JavaScript would, with `props`; returns what it threw. */
function construct(cls: new (scope: Construct, id: string, props?: unknown) => Construct, props: unknown): unknown {
  const stack = new TerraformStack(Testing.app(), 'js');
  try {
    new cls(stack, 'it', props);
    return undefined;
  } catch (e) {
    return e;
  }
}

test('the package exports its constructs', () => {
  expect(constructClasses.map(([n]) => n)).toEqual(expect.arrayContaining(['KafkaTopic', 'RealtimePipeline', 'DataAutomation', 'DecentralizedPlatform']));
});

describe.each(constructClasses)('%s from plain JavaScript', (_name, cls) => {
  test.each([
    ['{}', {}],
    ['no props at all', undefined],
  ])('with %s: one error naming the construct path and every missing required prop', (_what, props) => {
    const error = construct(cls, props);
    expect(error).toBeInstanceOf(MissingPropsError);
    const problems = (error as MissingPropsError).problems;
    expect(problems.length).toBeGreaterThan(0);
    for (const p of problems) expect(p).toMatch(/^\[js\/it\] [A-Za-z]+: undefined is not valid; allowed: .+ \(required\)$/);
    expect((error as Error).message).toMatch(new RegExp(`^Construct stopped: ${problems.length} required prop\\(s\\) missing\\.\\n {2}\\[js/it\\] `));
  });
});
