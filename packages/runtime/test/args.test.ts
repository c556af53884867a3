import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ArgsError, loadConfig, parseServiceArgs, usage } from '@isr/runtime';
import { repoRoot, tempDir } from '@isr/testkit';

const refused = (argv: string[], re: RegExp, options = {}) =>
  assert.throws(
    () => parseServiceArgs(argv, options),
    (err: unknown) => err instanceof ArgsError && err.code === 'ISR_ARGS' && re.test(err.message),
    `${argv.join(' ')} → ${re}`,
  );

test("the config file as --config FILE, --config=FILE or the one positional argument (the seed's isr.py myconfig.ini)", () => {
  assert.equal(parseServiceArgs(['--config', 'a.ini']).config, 'a.ini');
  assert.equal(parseServiceArgs(['--config=a.ini']).config, 'a.ini');
  assert.equal(parseServiceArgs(['myconfig.ini']).config, 'myconfig.ini');
  assert.equal(parseServiceArgs(['myconfig.ini', '--sources', 'a,b']).sources, 'a,b');
  assert.equal(parseServiceArgs([]).config, undefined);
  assert.deepEqual(
    parseServiceArgs(['--dir', '/r', 'x.ini', '--list'], { dir: { type: 'string' }, list: { type: 'boolean' } }).values,
    { dir: '/r', list: true },
  );
});

test('unknown arguments are refused, never ignored', () => {
  refused(['--bogus'], /^unknown option --bogus$/);
  refused(['-x'], /^unknown option -x$/);
  refused(['--dir', '/r'], /^unknown option --dir$/); // web's flag is not every service's
  refused(['a.ini', 'b.ini'], /one configuration file only, got 2 arguments: "a\.ini" "b\.ini"/);
  refused(['--config', 'a.ini', 'b.ini'], /given twice: --config "a\.ini" and "b\.ini"/);
  refused(['--config'], /^--config needs a value$/);
  refused(
    ['--config', '--sources', 'a'],
    /^--config needs a value \(a value that starts with "-" is written --config=-VALUE\)$/,
  );
  refused(['--config='], /^--config needs a value$/);
  refused(['--help=yes'], /^--help takes no value$/);
  assert.match(
    usage('isr-web', { dir: { type: 'string' }, 'list-devices': { type: 'boolean' } }),
    /^usage: isr-web \[CONFIG\.ini\] \[--config FILE\] \[--sources a,b\] \[--dir DIR\] \[--list-devices\]$/,
  );
});

test('loadConfig reads the positional file and refuses an unknown argument', async () => {
  const dir = await tempDir();
  try {
    writeFileSync(join(dir.path, 'myconfig.ini'), '[general]\nsplit_minutes = 7\n');
    writeFileSync(join(dir.path, 'config.ini'), '[general]\nsplit_minutes = 60\n');
    const c = loadConfig({ service: 'segmenter', argv: ['myconfig.ini'], cwd: dir.path, env: {} });
    assert.equal(c.file, join(dir.path, 'myconfig.ini'));
    assert.equal(c.general.split_minutes, 7);
    assert.equal(
      loadConfig({ service: 'segmenter', argv: [], cwd: dir.path, env: { ISR_CONFIG: 'myconfig.ini' } }).general
        .split_minutes,
      7,
    );
    assert.equal(loadConfig({ service: 'segmenter', argv: [], cwd: dir.path, env: {} }).general.split_minutes, 60);
    assert.throws(
      () => loadConfig({ service: 'segmenter', argv: ['--confg', 'myconfig.ini'], cwd: dir.path, env: {} }),
      /unknown option --confg/,
    );
  } finally {
    await dir.remove();
  }
});

test('a service started as `node main.js myconfig.ini --bogus` exits 2 naming the option and the usage; with the file alone it reads that file', async () => {
  const dir = await tempDir();
  try {
    const ini = join(dir.path, 'myconfig.ini');
    // an invalid key in the positional file proves the service read that file (and stops before NATS)
    writeFileSync(ini, '[general]\nsplit_minuts = 5\n');
    const main = join(repoRoot, 'services/segmenter/src/main.ts');
    const run = (...args: string[]) =>
      spawnSync(process.execPath, ['--conditions=development', main, ...args], {
        cwd: dir.path,
        encoding: 'utf8',
        timeout: 30_000,
        env: Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'ISR_CONFIG' && k !== 'ISR_SOURCES')),
      });
    const bogus = run(ini, '--bogus');
    assert.equal(bogus.status, 2, bogus.stderr);
    assert.match(bogus.stderr, /^isr-segmenter: unknown option --bogus\nusage: isr-segmenter \[CONFIG\.ini\]/);
    const read = run(ini);
    assert.equal(read.status, 2, read.stderr);
    assert.match(read.stderr, /myconfig\.ini \[general\] split_minuts: unknown key/);
  } finally {
    await dir.remove();
  }
});
