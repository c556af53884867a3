import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ArgsError, parseConfig } from '@isr/runtime';
import { parseWebArgs, webOptions, WebArgsError } from '../src/web-options.ts';

const refused = (argv: string[], re: RegExp) =>
  assert.throws(
    () => parseWebArgs(argv),
    (err: unknown) => err instanceof ArgsError && re.test(err.message),
    `${argv.join(' ')} → ${re}`,
  );

test("the seed's flags: --dir, --port, --threshold, with the config file as --config or positional", () => {
  assert.deepEqual(parseWebArgs(['--config', 'x.ini', '--dir', '/r', '--port=9000', '--threshold', '0.2']), {
    dir: '/r',
    port: 9000,
    threshold: 0.2,
  });
  assert.deepEqual(parseWebArgs(['x.ini', '--threshold=0']), { threshold: 0 });
  assert.deepEqual(parseWebArgs(['--threshold', '1']), { threshold: 1 });
  assert.deepEqual(parseWebArgs([]), {});
});

test("--threshold is a linear level 0…1 like the seed's; bad ports, values and unknown flags are refused", () => {
  refused(['--threshold=-30'], /^--threshold must be a linear RMS level 0…1/);
  refused(
    ['--threshold', '-30'],
    /^--threshold needs a value \(a value that starts with "-" is written --threshold=-VALUE\)$/,
  );
  refused(['--threshold', '1.5'], /^--threshold must be a linear RMS level 0…1.*\(got 1\.5\)$/);
  refused(['--threshold', 'loud'], /^--threshold must be a number \(got "loud"\)$/);
  refused(['--threshold', ' '], /^--threshold must be a number/);
  refused(['--port', 'abc'], /^--port must be a number/);
  refused(['--port', '70000'], /^--port must be a whole number 0…65535/);
  refused(['--dir'], /^--dir needs a value$/);
  refused(['--thresold', '0.1'], /^unknown option --thresold$/);
  refused(['--list-devices'], /^unknown option --list-devices$/);
  assert.throws(() => parseWebArgs(['--port', '1.5']), WebArgsError);
});

test('web_threshold in the config is checked like the flag, and the flag wins over it', () => {
  const ini = (t: string) => `[general]\nweb_threshold = ${t}\n`;
  const opts = { service: 'web' as const, file: '/etc/isr/config.ini', env: {}, cwd: '/srv' };
  assert.throws(() => parseConfig(ini('-30'), opts), /web_threshold: must be at least 0 \(got "-30"\)/);
  assert.throws(() => parseConfig(ini('2'), opts), /web_threshold: must be at most 1/);
  const config = parseConfig(ini('0.1'), opts);
  assert.equal(webOptions(config, {}, '/srv').threshold, 0.1);
  assert.equal(webOptions(config, { threshold: 0.3 }, '/srv').threshold, 0.3);
  assert.equal(webOptions(parseConfig('[general]\n', opts), {}, '/srv').threshold, null);
});
