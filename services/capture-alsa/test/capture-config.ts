import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '@isr/testkit';

/**
 * Writes `dir/config.ini` for capture-alsa: `[general]` with the NATS URL, a free metrics port and the
 * `general` lines, then one `type = soundcard` section per entry of `sections` (name → its lines).
 */
export async function writeCaptureConfig(
  dir: string,
  natsUrl: string,
  general: string,
  sections: Record<string, string>,
): Promise<{ path: string; metricsPort: number }> {
  const path = join(dir, 'config.ini');
  const metricsPort = await freePort();
  const body = Object.entries(sections)
    .map(([name, lines]) => `\n[${name}]\ntype = soundcard\n${lines}\n`)
    .join('');
  writeFileSync(
    path,
    `[general]\nnats_url = ${natsUrl}\ncapture_alsa_metrics_port = ${metricsPort}\n${general}\n${body}`,
  );
  return { path, metricsPort };
}
