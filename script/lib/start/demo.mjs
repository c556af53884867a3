// The embedded demo of `script/server` (and `npm start`) when there is no config.ini: one built-in line-up
// tone source, `demo`, split every minute into ./recordings, so a first-time user sees ISR record, split,
// analyze and serve within a minute on a machine with no soundcard and no network.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, portFree } from './local-nats.mjs';

/** The services' default metrics ports, as in the key table; a busy one is replaced by a free one. */
const METRICS_PORTS = {
  capture_stream_metrics_port: 9101,
  capture_alsa_metrics_port: 9102,
  segmenter_metrics_port: 9103,
  analyzer_metrics_port: 9104,
};

/** Writes the demo configuration to <stateDir>/demo.ini (anew on every start) and returns its path. */
export async function writeDemoConfig(stateDir, recordings) {
  const ports = [];
  for (const [key, port] of Object.entries(METRICS_PORTS))
    ports.push(`${key} = ${(await portFree(port)) ? port : await freePort()}`);
  mkdirSync(stateDir, { recursive: true });
  const file = join(stateDir, 'demo.ini');
  writeFileSync(
    file,
    `; Written by script/server because there is no config.ini: ISR's embedded demo (rewritten on every start).
; To record real sources: cp config.example.ini config.ini, edit it, and run script/server again.
[general]
output_directory = ${recordings}
split_minutes = 1
${ports.join('\n')}

; A 1 kHz line-up tone at -18 dBFS with 1 s of silence every 10 s, generated at the pace of the wall clock.
[demo]
type = tone
`,
  );
  return file;
}
