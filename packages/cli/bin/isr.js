#!/usr/bin/env node
// The `isr` command (`npx isr verify` from the repository root). A plain file that exists before the build, so
// that `npm ci` links it; the code itself is TypeScript compiled to dist/ by `npm run build`.
const main = new URL('../dist/main.js', import.meta.url);
try {
  await import(main.href);
} catch (err) {
  if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !String(err.message).includes(main.pathname)) throw err;
  process.stderr.write('isr: the command is not built yet: run `npm run build` in the repository first\n');
  process.exitCode = 2;
}
