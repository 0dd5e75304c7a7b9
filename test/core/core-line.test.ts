import { coreLine, findCoreLine, SUPPORTED_CORE_LINES } from '../../index';

const resolver = (installed: Record<string, { name: string; version: string }>) => ({
  resolve: (request: string) => {
    if (!(request in installed)) throw Object.assign(new Error(`Cannot find module '${request}'`), { code: 'MODULE_NOT_FOUND' });
    return request;
  },
  load: (p: string) => installed[p],
});

describe('the core line', () => {
  test('this checkout runs on one of the supported lines, at the tested version', () => {
    const line = coreLine();
    expect(SUPPORTED_CORE_LINES[line.name]).toBe(line.version);
  });

  test('cdktf 0.21, and cdktn 0.24 installed under the name cdktf, are told apart', () => {
    const a = resolver({ 'cdktf/package.json': { name: 'cdktf', version: '0.21.0' } });
    expect(findCoreLine(a.resolve, a.load)).toEqual({ name: 'cdktf', version: '0.21.0' });
    const b = resolver({ 'cdktf/package.json': { name: 'cdktn', version: '0.24.0' } });
    expect(findCoreLine(b.resolve, b.load)).toEqual({ name: 'cdktn', version: '0.24.0' });
  });

  test('neither installed: one error saying what to install, on either line', () => {
    const none = resolver({});
    expect(() => findCoreLine(none.resolve, none.load)).toThrow(
      /^cdktf-data-pipelines: no CDK for Terraform core found\. It is a peer dependency; install one line: npm install --save-exact cdktf@0\.21\.0 .*cdktf@npm:cdktn@0\.24\.0, with "overrides": \{ "cdktf": "\$cdktf" \}/,
    );
  });

  test('cdktn under its own name only: the error says to install it as cdktf', () => {
    const terrain = resolver({ 'cdktn/package.json': { name: 'cdktn', version: '0.24.0' } });
    expect(() => findCoreLine(terrain.resolve, terrain.load)).toThrow(/CDK Terrain \(cdktn\) is installed under its own name.*import the core as "cdktf"/);
  });
});
