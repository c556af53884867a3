import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, parseConfig } from '@isr/runtime';

// Every path on the bus, in KV and in the web's URLs is relative to [general]'s output_directory: the web and the
// analyzer resolve them there. A source writing elsewhere would record files nobody can list, analyze or play.
const opts = (env: Record<string, string> = {}) => ({
  service: 'segmenter' as const,
  file: '/etc/isr/config.ini',
  env,
  cwd: '/srv',
});

test('a source section with its own output_directory is refused at start-up, naming file, section and key', () => {
  const text =
    '[general]\noutput_directory = rec\n[radio1]\ntype = stream\nurl = http://x/s\noutput_directory = /mnt/other\n[mic]\ntype = soundcard\noutput_directory = /mnt/mic\n';
  assert.throws(
    () => parseConfig(text, opts()),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.code, 'ISR_CONFIG');
      assert.deepEqual(err.problems, [
        "/etc/isr/config.ini [radio1] output_directory: a source cannot have its own recordings directory (/mnt/other); web and analyzer find every recording under [general]'s output_directory (/srv/rec). Remove the key from [radio1] (its files go to /srv/rec/radio1/)",
        "/etc/isr/config.ini [mic] output_directory: a source cannot have its own recordings directory (/mnt/mic); web and analyzer find every recording under [general]'s output_directory (/srv/rec). Remove the key from [mic] (its files go to /srv/rec/mic/)",
      ]);
      return true;
    },
  );
});

test("a source repeating [general]'s output_directory (a copied seed config) is accepted", () => {
  const c = parseConfig(
    '[general]\noutput_directory = /data/rec\n[radio1]\ntype = stream\nurl = http://x/s\noutput_directory = /data/rec/\n',
    opts(),
  );
  assert.equal(c.sources[0]!.settings.output_directory, '/data/rec');
  assert.throws(
    () =>
      parseConfig(
        '[general]\noutput_directory = /data/rec\n[radio1]\ntype = stream\nurl = http://x/s\noutput_directory = /data/rec\n',
        opts({ ISR_OUTPUT_DIRECTORY: '/elsewhere' }),
      ),
    /\[radio1\] output_directory: a source cannot have its own recordings directory \(\/data\/rec\); .*\(\/elsewhere\)/,
  );
});
