#!/usr/bin/env node
// Regenerates config.example.ini and the configuration-key table in docs/configuration.md from the key table
// (packages/runtime/src/config/keys), or with --check reports whether they are in sync (exit 1 if not).
//   node script/lib/gen-config-docs.mjs --write | --check
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

if (!process.execArgv.includes('--conditions=development')) {
  // Workspace packages resolve to their TypeScript sources only under this condition (no build needed).
  const r = spawnSync(
    process.execPath,
    ['--conditions=development', fileURLToPath(import.meta.url), ...process.argv.slice(2)],
    { stdio: 'inherit' },
  );
  process.exit(r.status ?? 1);
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { renderExampleIni, spliceDoc } = await import('./config-docs.ts');
const { allKeys } = await import('../../packages/runtime/src/config/keys/index.ts');

const targets = [
  { file: join(root, 'config.example.ini'), render: () => renderExampleIni(allKeys) },
  { file: join(root, 'docs', 'configuration.md'), render: (current) => spliceDoc(current, allKeys) },
];
const mode = process.argv[2] ?? '--check';
let stale = 0;
for (const t of targets) {
  let current = '';
  try {
    current = readFileSync(t.file, 'utf8');
  } catch {
    /* a missing file is stale */
  }
  const next = t.render(current);
  if (next === current) continue;
  if (mode === '--write') {
    writeFileSync(t.file, next);
    console.log(`wrote ${t.file}`);
  } else {
    console.error(
      `${t.file} is out of sync with the config key table: run node script/lib/gen-config-docs.mjs --write`,
    );
    stale++;
  }
}
process.exit(stale ? 1 : 0);
