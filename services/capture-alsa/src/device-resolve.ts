import type { CaptureHardware, PcmName } from './device-list.ts';
import { DeviceAmbiguousError, DeviceNotFoundError, NoMonitorError } from './errors.ts';

/** What the machine has, as captured from `arecord -l` and `arecord -L`. */
export interface DeviceInventory {
  hardware: readonly CaptureHardware[];
  pcms: readonly PcmName[];
}

export type ResolvedBy = 'default' | 'monitor' | 'exact' | 'pcm' | 'card';

export interface ResolvedDevice {
  /** What to pass to `arecord -D`. */
  device: string;
  by: ResolvedBy;
  /** Human-readable: which card/PCM this is. */
  label: string;
}

/** `hw:0,0`, `plughw:1,0,0`, `hw:CARD=PCH,DEV=0`, `plughw:Loopback,1`… */
const EXACT_HW = /^(plug)?hw:(\d+|CARD=[^,]+|[A-Za-z_][\w-]*)(,(\d+|DEV=\d+))?(,\d+|,SUBDEV=\d+)?$/;

/** Does the spec need the inventory at all? (`default` and exact hw specs are passed to arecord as they are.) */
export function needsInventory(spec: string): boolean {
  const s = spec.trim();
  return !(s === '' || s === 'default' || EXACT_HW.test(s));
}

/** Lists what exists, for error messages and `--list-devices`. */
export function describeInventory(inv: DeviceInventory): string {
  const hw = inv.hardware.map(
    (h) => `hw:${h.card},${h.device} (card "${h.cardName}" [${h.cardId}], device "${h.deviceName}")`,
  );
  const pcms = inv.pcms.map((p) => p.name);
  return `capture hardware: ${hw.length ? hw.join('; ') : 'none'}; PCM names: ${pcms.length ? pcms.join(', ') : 'none'}`;
}

function isLoopback(h: CaptureHardware): boolean {
  return /loopback/i.test(h.cardId) || /loopback/i.test(h.cardName);
}

/**
 * Resolves a `device =` value like the seed ISR did:
 * `default`; `monitor` (a PCM named like a monitor, else the Loopback card's capture side, device 1);
 * exact `hw:X,Y` / `plughw:X,Y`; any PCM name of `arecord -L`; else a case-insensitive partial match on
 * card (id or name) and device names of `arecord -l`. No match: an error listing what exists.
 */
export function resolveDevice(spec: string, inv: DeviceInventory): ResolvedDevice {
  const s = spec.trim();
  if (s === '' || s === 'default') return { device: 'default', by: 'default', label: 'the ALSA default device' };
  if (EXACT_HW.test(s)) return { device: s, by: 'exact', label: s };
  if (s.toLowerCase() === 'monitor') {
    const named = inv.pcms.find((p) => /monitor/i.test(p.name));
    if (named)
      return {
        device: named.name,
        by: 'monitor',
        label: `PCM ${named.name}${named.description ? ` (${named.description})` : ''}`,
      };
    const loop = inv.hardware.find((h) => isLoopback(h) && h.device === 1) ?? inv.hardware.find(isLoopback);
    if (loop) {
      return {
        device: `plughw:CARD=${loop.cardId},DEV=1`,
        by: 'monitor',
        label: `capture side of the Loopback card "${loop.cardName}" (card ${loop.card}, device 1): plays what is sent to device 0`,
      };
    }
    throw new NoMonitorError(
      `device "monitor": no ALSA Loopback card (load it with "modprobe snd-aloop") and no PCM named like "monitor"; ${describeInventory(inv)}`,
    );
  }
  const pcm = inv.pcms.find((p) => p.name === s);
  if (pcm)
    return { device: pcm.name, by: 'pcm', label: `PCM ${pcm.name}${pcm.description ? ` (${pcm.description})` : ''}` };

  const needle = s.toLowerCase();
  const matches = inv.hardware.filter((h) =>
    [h.cardId, h.cardName, h.deviceName].some((n) => n.toLowerCase().includes(needle)),
  );
  const cards = [...new Set(matches.map((h) => h.cardId))];
  if (cards.length > 1) {
    throw new DeviceAmbiguousError(
      `device "${s}" matches several cards: ${cards.map((id) => `"${inv.hardware.find((h) => h.cardId === id)!.cardName}" [${id}]`).join(', ')}; write a longer part of the name, or hw:X,Y / plughw:CARD=<id>,DEV=<n>`,
    );
  }
  const first = matches.sort((a, b) => a.device - b.device)[0];
  if (first) {
    return {
      device: `plughw:CARD=${first.cardId},DEV=${first.device}`,
      by: 'card',
      label: `card ${first.card} "${first.cardName}", device ${first.device} "${first.deviceName}"`,
    };
  }
  throw new DeviceNotFoundError(
    `device "${s}" matches no soundcard and no PCM; ${describeInventory(inv)}. Run "node services/capture-alsa/dist/main.js --list-devices" to see how to write them.`,
  );
}
