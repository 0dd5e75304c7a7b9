#!/usr/bin/env node
'use strict';
// `cdktf-data-pipelines diagram|assess`: the compiled CLI (dist/) in an installed package; in a
// checkout of this repository without a build, the TypeScript source through ts-node.
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const built = path.join(root, 'dist', 'lib', 'cli', 'main.js');
const source = path.join(root, 'lib', 'cli', 'main.ts');

function load() {
  if (fs.existsSync(source) && (!fs.existsSync(built) || fs.statSync(source).mtimeMs > fs.statSync(built).mtimeMs)) {
    try {
      require.resolve('ts-node');
    } catch {
      return require(built);
    }
    require('ts-node').register({ transpileOnly: true, project: path.join(root, 'tsconfig.json') });
    return require(source);
  }
  return require(built);
}

load().main();
