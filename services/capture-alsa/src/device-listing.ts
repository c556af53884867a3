import type { DeviceInventory } from './device-resolve.ts';

/**
 * The text of `--list-devices`: every capture device with how to write it in the config, and — when `caps` has
 * it (by `hw:<card>,<device>` or PCM name, see queryAllCapabilities) — its channels and sample rates.
 */
export function formatDeviceListing(inv: DeviceInventory, caps: ReadonlyMap<string, string> = new Map()): string {
  const lines: string[] = [];
  if (inv.hardware.length === 0) {
    lines.push('No soundcard found: "arecord -l" lists no capture hardware.');
  } else {
    lines.push('Capture hardware (arecord -l):');
    for (const h of inv.hardware) {
      lines.push(
        `  hw:${h.card},${h.device}  card ${h.card} "${h.cardName}" [${h.cardId}], device ${h.device} "${h.deviceName}"`,
      );
      const c = caps.get(`hw:${h.card},${h.device}`);
      if (c) lines.push(`      ${c}`);
      lines.push(
        `      config: device = ${h.cardId}   (or device = plughw:CARD=${h.cardId},DEV=${h.device}, or device = hw:${h.card},${h.device})`,
      );
    }
    if (inv.hardware.some((h) => /loopback/i.test(`${h.cardId} ${h.cardName}`))) {
      lines.push('  The Loopback card can record what the machine plays: device = monitor');
    }
  }
  const pcms = inv.pcms.filter((p) => p.name !== 'null');
  if (pcms.length) {
    lines.push('', 'ALSA PCM names (arecord -L):');
    for (const p of pcms) {
      lines.push(`  ${p.name}${p.description ? `  ${p.description}` : ''}`);
      const c = caps.get(p.name);
      if (c) lines.push(`      ${c}`);
      lines.push(`      config: device = ${p.name}`);
    }
  } else {
    lines.push('', 'No ALSA PCM names besides "null" (arecord -L).');
  }
  return `${lines.join('\n')}\n`;
}
