import { execFile } from 'node:child_process';
import { capabilityText, parseHwParams, unknownText } from './device-caps.ts';
import { parseHardwareList, parsePcmList } from './device-list.ts';
import type { DeviceInventory } from './device-resolve.ts';
import { ArecordMissingError } from './errors.ts';

function run(bin: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(bin, args, { timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024 }, (err, stdout) => {
      const code = (err as NodeJS.ErrnoException | null)?.code;
      if (code === 'ENOENT' || code === 'EACCES') {
        reject(
          new ArecordMissingError(`cannot run "${bin}" (${code}): install alsa-utils or set arecord_path`, {
            cause: err,
          }),
        );
      } else if (err && !stdout) reject(err);
      else resolve(stdout);
    });
  });
}

/** Runs `arecord -l` and `arecord -L` and parses both (the I/O half of device resolution). */
export async function queryInventory(arecord: string, timeoutMs = 10_000): Promise<DeviceInventory> {
  const [l, L] = await Promise.all([run(arecord, ['-l'], timeoutMs), run(arecord, ['-L'], timeoutMs)]);
  return { hardware: parseHardwareList(l), pcms: parsePcmList(L) };
}

/**
 * What one capture PCM accepts, in the listing's words: `arecord -D <device> --dump-hw-params` prints the
 * ranges when it opens the device (before it sets any), then records one sample into /dev/null (or fails on
 * the default format, which does not matter: the dump came first). A busy or absent device says so.
 */
export function queryCapabilities(arecord: string, device: string, timeoutMs = 3000): Promise<string> {
  return new Promise((resolve) => {
    execFile(
      arecord,
      ['-D', device, '--dump-hw-params', '-q', '-t', 'raw', '-f', 'S16_LE', '-s', '1', '/dev/null'],
      { timeout: timeoutMs, maxBuffer: 1024 * 1024 },
      (err, stdout, stderr) => {
        const caps = parseHwParams(`${stdout}\n${stderr}`);
        if (caps) resolve(capabilityText(caps));
        else resolve(unknownText(stderr, Boolean((err as { killed?: boolean } | null)?.killed)));
      },
    );
  });
}

/**
 * Capabilities of what `--list-devices` shows, by its listing key (`hw:<card>,<device>` or the PCM name): every
 * capture device of every card (as `hw:CARD=<id>,DEV=<n>`, its native ranges), and the PCM names that are no
 * card's alias (`default`, `pulse`, a name of asound.conf); a card's aliases (`sysdefault:CARD=…`, `front:…`)
 * convert what the card itself lists. Asked a few at a time.
 */
export async function queryAllCapabilities(
  arecord: string,
  inv: DeviceInventory,
  timeoutMs = 3000,
): Promise<Map<string, string>> {
  const jobs: [string, string][] = [
    ...inv.hardware.map((h): [string, string] => [`hw:${h.card},${h.device}`, `hw:CARD=${h.cardId},DEV=${h.device}`]),
    ...inv.pcms
      .filter((p) => p.name !== 'null' && !p.name.includes(':'))
      .map((p): [string, string] => [p.name, p.name]),
  ];
  const out = new Map<string, string>();
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const [key, device] = jobs[next++]!;
      out.set(key, await queryCapabilities(arecord, device, timeoutMs));
    }
  };
  await Promise.all(Array.from({ length: Math.min(4, jobs.length) }, worker));
  return out;
}
