// The Docker runtime stage keeps only what `npm ci --omit=dev` installs: every package the built services
// (and the workspace packages they run) import must be a production dependency, or the image crashes at
// start-up although every test here (with dev dependencies installed) passes.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '@isr/testkit';

interface LockEntry {
  dev?: boolean;
  devOptional?: boolean;
  link?: boolean;
}
const lock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, LockEntry>;
};
const builtins = new Set(builtinModules);

function jsFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'public' ? [] : jsFiles(p); // dist/public: the browser bundle
    return e.name.endsWith('.js') ? [p] : [];
  });
}

/** Bare specifiers imported by a tsc-emitted ES module (static import/export-from and import('…')). */
export function bareImports(source: string): string[] {
  const specs = [
    ...source.matchAll(/^\s*(?:import|export)\s[^;'"]*?\bfrom\s*['"]([^'"]+)['"]/gm),
    ...source.matchAll(/^\s*import\s*['"]([^'"]+)['"]/gm),
    ...source.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g),
  ].map((m) => m[1]!);
  return specs
    .filter(
      (s) => !s.startsWith('.') && !s.startsWith('/') && !s.startsWith('node:') && !builtins.has(s.split('/')[0]!),
    )
    .map((s) => (s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]!));
}

test('bareImports finds static, re-export and dynamic imports, not relative or node: ones', () => {
  const src = `import { a } from 'pino';\nimport x, { y } from "@nats-io/kv/lib";\nexport * from './local.js';\nexport { z } from '@isr/contract';\nimport 'side-effect';\nconst m = await import('flac-bindings');\nimport fs from 'node:fs';\nimport path from 'path';\nconst s = "from 'not-an-import'";`;
  assert.deepEqual(bareImports(src).sort(), ['@isr/contract', '@nats-io/kv', 'flac-bindings', 'pino', 'side-effect']);
});

test('everything the built services import at run time survives npm ci --omit=dev', () => {
  const dirs = [
    'packages/contract',
    'packages/runtime',
    'packages/audio',
    ...['capture-stream', 'capture-alsa', 'segmenter', 'analyzer', 'web'].map((s) => `services/${s}`),
  ];
  const devOnly: string[] = [];
  let files = 0;
  for (const d of dirs) {
    for (const f of jsFiles(join(repoRoot, d, 'dist'))) {
      files++;
      for (const name of bareImports(readFileSync(f, 'utf8'))) {
        const entry = lock.packages[`node_modules/${name}`];
        if (!entry) devOnly.push(`${name} (imported by ${relative(repoRoot, f)}) is not installed at the top level`);
        else if (entry.dev || entry.devOptional)
          devOnly.push(
            `${name} (imported by ${relative(repoRoot, f)}) is a dev dependency: npm ci --omit=dev drops it`,
          );
      }
    }
  }
  assert.equal(
    lock.packages['node_modules/yaml']?.dev,
    true,
    'the lock marks dev-only packages (yaml is a root devDependency)',
  );
  assert.ok(files > 20, `built services found (${files} files): run npm run build first`);
  assert.deepEqual(devOnly, []);
});
