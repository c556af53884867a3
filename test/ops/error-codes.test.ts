// One error-code style across the tree: each package's codes in one table (like fastify's lib/errors.js), every code
// ISR_-prefixed and unique across all tables, and no code typed inline into an error's constructor.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { AudioErrorCodes } from '@isr/audio';
import { ContractErrorCodes } from '@isr/contract';
import { RuntimeErrorCodes } from '@isr/runtime';
import { repoRoot } from '@isr/testkit';
import { AnalysisErrorCodes } from '../../services/analyzer/src/errors.ts';
import { CaptureErrorCodes } from '../../services/capture-alsa/src/errors.ts';
import { StreamErrorCodes } from '../../services/capture-stream/src/errors.ts';
import { WebErrorCodes } from '../../services/web/src/errors.ts';

const tables: Record<string, readonly string[]> = {
  '@isr/contract': Object.values(ContractErrorCodes),
  '@isr/audio': Object.values(AudioErrorCodes),
  '@isr/runtime': Object.values(RuntimeErrorCodes),
  analyzer: Object.values(AnalysisErrorCodes),
  'capture-alsa': Object.values(CaptureErrorCodes),
  'capture-stream': Object.values(StreamErrorCodes),
  web: Object.values(WebErrorCodes).map(([code]) => code),
};

/**
 * The analyzer's codes predate the ISR_ style and are kept: they are stored in every error record (sidecars and KV
 * isr_analysis), answered on isr.analyze (the web compares ANALYZER_BUSY) and are label values of
 * isr_analyzer_errors_total, all documented in analyzer.md, bus.md and metrics.md.
 */
const UNPREFIXED: ReadonlySet<string> = new Set(Object.values(AnalysisErrorCodes));

test("every code is in exactly one table, and every table but the analyzer's stored codes uses the ISR_ prefix", () => {
  const owner = new Map<string, string>();
  for (const [pkg, codes] of Object.entries(tables)) {
    assert.ok(codes.length > 0, `${pkg} has an error table`);
    for (const code of codes) {
      assert.equal(owner.get(code), undefined, `${code} is in the tables of both ${owner.get(code)} and ${pkg}`);
      owner.set(code, pkg);
      if (!UNPREFIXED.has(code)) assert.match(code, /^ISR_[A-Z0-9_]+$/, `${pkg}: ${code}`);
    }
  }
});

test("no error constructor is given a code typed inline: codes come from the package's table", () => {
  const inline: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) {
        for (const [i, line] of readFileSync(p, 'utf8').split('\n').entries())
          if (/super\(\s*'[A-Z][A-Z0-9_]+'/.test(line)) inline.push(`${p.slice(repoRoot.length + 1)}:${i + 1}`);
      }
    }
  };
  for (const top of ['packages', 'services']) {
    for (const pkg of readdirSync(join(repoRoot, top))) {
      const src = join(repoRoot, top, pkg, 'src');
      try {
        walk(src);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
  }
  assert.deepEqual(inline, []);
});
