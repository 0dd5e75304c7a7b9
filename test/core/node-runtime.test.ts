import * as fs from 'fs';
import * as path from 'path';

const root = path.join(__dirname, '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

describe('Node versions', () => {
  test('the worker image runs on Node 22 LTS, in both stages', () => {
    const froms = fs.readFileSync(path.join(root, 'lib', 'cdc-worker', 'Dockerfile'), 'utf8').match(/^FROM .*/gm);
    expect(froms).toEqual(['FROM node:22-slim AS build', 'FROM node:22-slim']);
  });

  test('engines allow the Node the tests run on and the image, and no release that cannot load zongji (ES module) with require()', () => {
    expect(pkg.engines.node).toBe('^20.19.0 || >=22.12.0');
    // That range, spelled out: 20.19 and later 20.x, or 22.12 and later.
    const allowed = (version: string) => {
      const [major, minor] = version.replace(/^v/, '').split('.').map(Number);
      return (major === 20 && minor >= 19) || major > 22 || (major === 22 && minor >= 12);
    };
    expect(allowed(process.version)).toBe(true);
    for (const ok of ['22.12.0', '24.11.0']) expect(allowed(ok)).toBe(true);
    for (const old of ['18.20.8', '20.18.3', '21.7.3', '22.11.0']) expect(allowed(old)).toBe(false);
  });
});
