// config.example.ini and the key table of docs/configuration.md document every key of allKeys, at its default.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { allKeys, parseConfig } from '@isr/runtime';
import { repoRoot } from '@isr/testkit';
import { renderExampleIni, renderKeyTable, spliceDoc } from '../../script/lib/config-docs.ts';

const FIX =
  'the key table changed: run `node script/lib/gen-config-docs.mjs --write` and commit config.example.ini and docs/configuration.md';
const example = readFileSync(join(repoRoot, 'config.example.ini'), 'utf8');
const doc = readFileSync(join(repoRoot, 'docs', 'configuration.md'), 'utf8');

test('config.example.ini is the one generated from allKeys', () => {
  assert.equal(example, renderExampleIni(allKeys), FIX);
});

test('the key table of docs/configuration.md is the one generated from allKeys', () => {
  assert.equal(doc, spliceDoc(doc, allKeys), FIX);
  assert.ok(doc.includes(renderKeyTable(allKeys)));
});

test('every key appears in config.example.ini with its default and a comment, and in docs/configuration.md', () => {
  for (const k of allKeys) {
    const line = new RegExp(`^;?${k.key} = (.*)$`, 'm').exec(example);
    assert.ok(line, `config.example.ini lacks ${k.key}. ${FIX}`);
    if (k.default !== undefined && line[0].startsWith(';'))
      assert.equal(line[1], String(k.default), `${k.key} default`);
    assert.match(example, new RegExp(`^; ${k.key}: \\S`, 'm'), `${k.key} has a comment`);
    assert.ok(doc.includes(`| \`${k.key}\` |`), `docs/configuration.md lacks ${k.key}. ${FIX}`);
  }
});

test('config.example.ini loads as it is, with a stream and a soundcard (shared_mic) example', () => {
  const cfg = parseConfig(example, { service: 'segmenter', file: 'config.example.ini', env: {}, cwd: '/srv/isr' });
  assert.equal(cfg.general.output_directory, '/srv/isr/recordings');
  const byName = Object.fromEntries(cfg.sources.map((s) => [s.type, s]));
  assert.match(String(byName.stream?.settings.url), /^https?:\/\//);
  assert.equal(byName.soundcard?.settings.device, 'shared_mic');
});

test('uncommenting every default changes nothing: the documented defaults are the real ones', () => {
  const base = parseConfig(example, { service: 'web', file: 'a.ini', env: {}, cwd: '/srv' });
  // a key without a default (shown empty) stays commented unless empty text is a value of its type
  const types = new Map(allKeys.map((k) => [k.key, k.type]));
  // a commented-out example section (the tone) is uncommented too, so its keys land in their own section
  const uncommented = example
    .replace(/^;(\w+) = (.*)$/gm, (line, key: string, value: string) =>
      value !== '' || types.get(key) === 'string' ? `${key} = ${value}` : line,
    )
    .replace(/^;(\[\w+\])$/gm, '$1');
  assert.notEqual(uncommented, example);
  const full = parseConfig(uncommented, { service: 'web', file: 'b.ini', env: {}, cwd: '/srv' });
  assert.deepEqual(full.general, base.general);
  assert.deepEqual(
    full.sources.filter((s) => base.sources.some((b) => b.name === s.name)),
    base.sources,
  );
  assert.equal(
    full.sources.find((s) => s.type === 'tone')?.settings.tone_level_dbfs,
    -18,
    'the tone example, uncommented, is a valid tone source',
  );
});
