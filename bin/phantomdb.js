#!/usr/bin/env node
'use strict';
// The PhantomDB command line. This repository is only run from a checkout, so the
// TypeScript sources are compiled on the fly (transpile only: type checking is `npm run typecheck`).
const path = require('node:path');

require('ts-node').register({ transpileOnly: true, project: path.join(__dirname, '..', 'tsconfig.json') });

const { main } = require('../src/cli/main.ts');

main(process.argv.slice(2)).then((exitCode) => {
  process.exitCode = exitCode;
});
