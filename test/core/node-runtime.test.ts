import * as fs from 'fs';
import * as path from 'path';
import * as semver from 'semver';

const root = path.join(__dirname, '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

describe('Node versions', () => {
  test('the worker image runs on Node 22 LTS, in both stages', () => {
    const froms = fs.readFileSync(path.join(root, 'lib', 'cdc-worker', 'Dockerfile'), 'utf8').match(/^FROM .*/gm);
    expect(froms).toEqual(['FROM node:22-slim AS build', 'FROM node:22-slim']);
  });

  test('engines allow the Node the tests run on and the image, and no release that cannot load zongji (ES module) with require()', () => {
    const range = pkg.engines.node;
    expect(semver.satisfies(process.version, range)).toBe(true);
    expect(semver.satisfies('22.12.0', range)).toBe(true);
    expect(semver.satisfies('24.11.0', range)).toBe(true);
    for (const old of ['18.20.8', '20.18.3', '21.7.3', '22.11.0']) expect(semver.satisfies(old, range)).toBe(false);
  });
});
