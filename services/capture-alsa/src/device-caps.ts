/**
 * What a capture PCM accepts, from `arecord --dump-hw-params` (pure; the I/O is in device-query.ts): the
 * channel and sample-rate ranges and the sample formats, as `--list-devices` shows them (the seed listed
 * channels and sample rates per device).
 */

export interface Range {
  min: number;
  max: number;
}

export interface HwCapabilities {
  channels: Range;
  rate: Range;
  formats: string[];
}

/** Ranges this wide mean a plugin that converts (the ALSA file/plug plugins report up to 2^30 channels, 2^32 Hz). */
const ANY_CHANNELS = 1024;
const ANY_RATE = 10_000_000;
const USUAL_RATES = [8000, 11025, 16000, 22050, 32000, 44100, 48000, 88200, 96000, 176400, 192000];

/** `2`, `[1 2]`, `(0 8]`: ALSA's interval notation (a round bracket excludes its end). */
function parseInterval(text: string): Range | null {
  const single = /^(\d+)$/.exec(text);
  if (single) return { min: Number(single[1]), max: Number(single[1]) };
  const m = /^([[(])(\d+) (\d+)([\])])$/.exec(text);
  if (!m) return null;
  return { min: Number(m[2]) + (m[1] === '(' ? 1 : 0), max: Number(m[3]) - (m[4] === ')' ? 1 : 0) };
}

/** The dump's CHANNELS/RATE/FORMAT lines; null when there is no dump (the device could not be opened). */
export function parseHwParams(text: string): HwCapabilities | null {
  const field = (name: string) => new RegExp(`^${name}:\\s+(.+?)\\s*$`, 'm').exec(text)?.[1];
  const channels = parseInterval(field('CHANNELS') ?? '');
  const rate = parseInterval(field('RATE') ?? '');
  if (!channels || !rate) return null;
  return { channels, rate, formats: (field('FORMAT') ?? '').split(/\s+/).filter(Boolean) };
}

const span = (r: Range) => (r.min === r.max ? `${r.min}` : `${r.min}–${r.max}`);

/** One line for the listing: "channels 1–2, sample rates 8000–96000 Hz (of the usual: …), formats S16_LE". */
export function capabilityText(c: HwCapabilities): string {
  const anyChannels = c.channels.max >= ANY_CHANNELS;
  const anyRate = c.rate.max >= ANY_RATE;
  if (anyChannels && anyRate) return 'any channel count and sample rate (ALSA converts)';
  const channels = anyChannels ? 'any channel count' : `channels ${span(c.channels)}`;
  let rates: string;
  if (anyRate) rates = 'any sample rate (ALSA converts)';
  else if (c.rate.min === c.rate.max) rates = `sample rate ${c.rate.min} Hz`;
  else {
    const usual = USUAL_RATES.filter((r) => r >= c.rate.min && r <= c.rate.max);
    rates = `sample rates ${span(c.rate)} Hz${usual.length ? ` (of the usual: ${usual.join(', ')})` : ''}`;
  }
  const formats = !anyRate && c.formats.length ? `, formats ${c.formats.join(' ')}` : '';
  return `${channels}, ${rates}${formats}`;
}

/** Why a device could not be asked, in the listing's words (arecord's stderr → a reason). */
export function unknownText(stderr: string, timedOut: boolean): string {
  if (timedOut)
    return 'channels and sample rates unknown: arecord did not answer within the time allowed (a FIFO without a writer, or a stuck device)';
  if (/busy/i.test(stderr))
    return "channels and sample rates unknown: busy (another program records from it — ISR's own capture?)";
  const why = /error:\s*(.+)$/m.exec(stderr)?.[1]?.trim() ?? (stderr.trim().split('\n').pop() || 'no answer');
  return `channels and sample rates unknown: ${why}`;
}
