#!/usr/bin/env node
// The CLI runs the JavaScript that `npm run build` compiles from src/ into dist/ (`npm install`
// builds it through `prepare`; `npm test` and the test suite's setup rebuild it when src/ changed).
import { existsSync } from 'node:fs';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('data-pipeline: dist/ is missing; run `npm run build` (or `npm install`) first\n');
  process.exit(2);
}
// Stack traces (in task logs) name the TypeScript sources, src/…/x.ts:line, through dist/'s source maps.
process.setSourceMapsEnabled(true);
await import(main.href);
