import type { ParseArgsOptionsConfig } from 'node:util';
import { loadConfig, str, ConfigError, type ServiceArgs } from '@isr/runtime';
import { queryAllCapabilities, queryInventory } from './device-query.ts';
import { formatDeviceListing } from './device-listing.ts';

/** capture-alsa's own flag (node:util parseArgs options). */
export const LIST_DEVICES_FLAGS = { 'list-devices': { type: 'boolean' } } as const satisfies ParseArgsOptionsConfig;

/**
 * `--list-devices`: prints the capture devices with their channels and sample rates and exits, without NATS. Uses arecord_path from the
 * configuration when one can be read (else `ISR_ARECORD` or plain `arecord`).
 */
export async function listDevicesCommand(
  args: ServiceArgs,
  env: Readonly<Record<string, string | undefined>>,
): Promise<number> {
  let arecord = env.ISR_ARECORD || 'arecord';
  try {
    arecord = str(loadConfig({ service: 'capture-alsa', args, env }).general, 'arecord_path');
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
  }
  try {
    const inv = await queryInventory(arecord);
    process.stdout.write(formatDeviceListing(inv, await queryAllCapabilities(arecord, inv)));
    return 0;
  } catch (err) {
    process.stderr.write(`isr-capture-alsa: ${(err as Error).message}\n`);
    return 1;
  }
}
