#!/usr/bin/env node
// The CLI runs the JavaScript that `npm run build` compiles from src/ into dist/ (`npm install`
// builds it through `prepare`; `npm test` and the test suite's setup rebuild it when src/ changed).
import { existsSync, readdirSync, statSync } from 'node:fs';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('data-pipeline: dist/ is missing; run `npm run build` (or `npm install`) first\n');
  process.exit(2);
}
// In a checkout, say so when src/ changed after dist/ was built: the command would run older code.
// (A few milliseconds: one stat per source file; skipped where there is no src/, an installed package.)
const src = new URL('../src/', import.meta.url);
const fingerprint = new URL('../dist/.build-fingerprint', import.meta.url);
if (existsSync(src) && existsSync(fingerprint)) {
  const built = statSync(fingerprint).mtimeMs;
  const newer = (dir) =>
    readdirSync(dir, { withFileTypes: true }).some((entry) => {
      const full = new URL(entry.name + (entry.isDirectory() ? '/' : ''), dir);
      return entry.isDirectory() ? statSync(full).mtimeMs > built || newer(full) : statSync(full).mtimeMs > built;
    });
  if (newer(src)) process.stderr.write('data-pipeline: src/ changed since dist/ was built; this runs the older build (npm run build updates it)\n');
}
// Stack traces (in task logs) name the TypeScript sources, src/…/x.ts:line, through dist/'s source maps.
process.setSourceMapsEnabled(true);
await import(main.href);
