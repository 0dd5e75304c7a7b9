import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Annotations, App, Aspects, IAspect, TerraformStack } from 'cdktf';
import { IConstruct } from 'constructs';
import { AppValidationError, DataPipelinesApp, KafkaCluster, KafkaTopic, synthApp, validateApp } from '../../index';

/** Every file and folder under `dir`, relative, sorted; [] when `dir` does not exist. */
function listing(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string) =>
    fs.readdirSync(d, { withFileTypes: true }).forEach((e) => {
      const full = path.join(d, e.name);
      out.push(path.relative(dir, full) + (e.isDirectory() ? '/' : ''));
      if (e.isDirectory()) walk(full);
    });
  walk(dir);
  return out.sort();
}

/** A consumer's stack: one cluster and one topic; `bad` gives the topic an invalid name and the cluster an invalid version. */
function consumerStack(app: App, id: string, bad: { version?: boolean; topic?: boolean } = {}): TerraformStack {
  const stack = new TerraformStack(app, id);
  const kafka = new KafkaCluster(stack, 'kafka', { bootstrapServers: ['k1:9093', 'k2:9093', 'k3:9093'], kafkaVersion: bad.version ? 'latest' : '3.9.0' });
  new KafkaTopic(stack, 'orders', { platform: kafka, name: bad.topic ? 'bad topic' : `${id}.orders` });
  return stack;
}

describe('app-level validation from the public API', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'cdp-app-validation-'));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  test.each([
    ['synthApp(new App())', (outdir: string) => new App({ outdir }), (app: App) => synthApp(app)],
    ['new DataPipelinesApp().synth()', (outdir: string) => new DataPipelinesApp({ outdir }), (app: App) => app.synth()],
  ])('%s: a two-stack app with an error in the second stack writes nothing at all', (_name, makeApp, synth) => {
    const outdir = path.join(root, 'cdktf.out');
    const app = makeApp(outdir);
    consumerStack(app, 'first');
    consumerStack(app, 'second', { topic: true });
    expect(() => synth(app)).toThrow(AppValidationError);
    expect(fs.existsSync(path.join(outdir, 'manifest.json'))).toBe(false);
    expect(fs.existsSync(path.join(outdir, 'stacks', 'first'))).toBe(false);
    expect(listing(outdir)).toEqual([]);
    expect(fs.existsSync(outdir)).toBe(false);
  });

  test.each([
    ['synthApp(new App())', (outdir: string) => new App({ outdir }), (app: App) => synthApp(app)],
    ['new DataPipelinesApp().synth()', (outdir: string) => new DataPipelinesApp({ outdir }), (app: App) => app.synth()],
  ])('%s: one error lists the problems of both stacks', (_name, makeApp, synth) => {
    const app = makeApp(path.join(root, 'cdktf.out'));
    consumerStack(app, 'first', { version: true });
    consumerStack(app, 'second', { version: true, topic: true });
    let error: AppValidationError | undefined;
    try {
      synth(app);
    } catch (e) {
      error = e as AppValidationError;
    }
    expect(error).toBeInstanceOf(AppValidationError);
    expect(error!.problems).toEqual([
      expect.stringMatching(/^\[first\/kafka\] kafkaVersion: "latest" is not valid/),
      expect.stringMatching(/^\[second\/kafka\] kafkaVersion: "latest" is not valid/),
      expect.stringMatching(/^\[second\/orders\] name: "bad topic" is not valid/),
    ]);
    expect(error!.message).toMatch(
      /^Synth stopped: 3 problem\(s\); nothing was written\.\n {2}\[first\/kafka\] .*\n {2}\[second\/kafka\] .*\n {2}\[second\/orders\] /,
    );
    expect(validateApp(app)).toEqual(error!.problems);
  });

  test('a valid app writes every stack and the manifest; a later failing synth leaves that output as it was', () => {
    const outdir = path.join(root, 'cdktf.out');
    const good = new DataPipelinesApp({ outdir });
    consumerStack(good, 'first');
    consumerStack(good, 'second');
    good.synth();
    const before = listing(outdir);
    expect(before).toEqual(expect.arrayContaining(['manifest.json', 'stacks/first/cdk.tf.json', 'stacks/second/cdk.tf.json']));
    expect(before.filter((f) => f.includes('.synth-'))).toEqual([]);
    const manifest = fs.readFileSync(path.join(outdir, 'manifest.json'), 'utf8');
    const first = fs.readFileSync(path.join(outdir, 'stacks', 'first', 'cdk.tf.json'), 'utf8');

    const bad = new App({ outdir });
    consumerStack(bad, 'first', { topic: true });
    consumerStack(bad, 'second');
    expect(() => synthApp(bad)).toThrow(/nothing was written/);
    expect(listing(outdir)).toEqual(before);
    expect(fs.readFileSync(path.join(outdir, 'manifest.json'), 'utf8')).toBe(manifest);
    expect(fs.readFileSync(path.join(outdir, 'stacks', 'first', 'cdk.tf.json'), 'utf8')).toBe(first);
  });

  test('a problem found only at synth (an aspect adding an error) writes nothing either', () => {
    const outdir = path.join(root, 'cdktf.out');
    const app = new DataPipelinesApp({ outdir });
    consumerStack(app, 'first');
    const second = consumerStack(app, 'second');
    const late: IAspect = { visit: (node: IConstruct) => (node === second ? Annotations.of(node).addError('found late') : undefined) };
    Aspects.of(second).add(late);
    expect(() => app.synth()).toThrow(/found late/);
    expect(listing(outdir)).toEqual([]);
  });
});
