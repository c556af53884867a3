import { execFile } from 'node:child_process';
import { parseHardwareList, parsePcmList } from './device-list.ts';
import type { DeviceInventory } from './device-resolve.ts';
import { ArecordMissingError } from './errors.ts';

function run(bin: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(bin, args, { timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024 }, (err, stdout) => {
      const code = (err as NodeJS.ErrnoException | null)?.code;
      if (code === 'ENOENT' || code === 'EACCES') {
        reject(new ArecordMissingError(`cannot run "${bin}" (${code}): install alsa-utils or set arecord_path`, { cause: err }));
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
