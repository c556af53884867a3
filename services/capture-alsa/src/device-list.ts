/**
 * Parsers for the two device listings of alsa-utils (pure; fixtures in test/fixtures):
 * `arecord -l` (capture hardware: cards and their devices) and `arecord -L` (PCM names with descriptions).
 */

/** One capture device of a card, as `arecord -l` prints it. */
export interface CaptureHardware {
  /** Card index (changes between boots when USB cards come and go). */
  card: number;
  /** Card id, stable across boots (`CARD=<id>`). */
  cardId: string;
  cardName: string;
  device: number;
  deviceName: string;
}

/** One PCM of `arecord -L`. */
export interface PcmName {
  name: string;
  /** Description lines joined with " — " (may be empty). */
  description: string;
}

const HW_LINE = /^card (\d+): (\S+) \[(.*)\], device (\d+): (.*?) \[(.*)\]\s*$/;

/** `card 1: Loopback [Loopback], device 0: Loopback PCM [Loopback PCM]` lines → hardware entries. */
export function parseHardwareList(text: string): CaptureHardware[] {
  const out: CaptureHardware[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = HW_LINE.exec(line);
    if (!m) continue;
    out.push({ card: Number(m[1]), cardId: m[2]!, cardName: m[3]!, device: Number(m[4]), deviceName: m[6] || m[5]! });
  }
  return out;
}

/** Names start at column 0; their description lines are indented. */
export function parsePcmList(text: string): PcmName[] {
  const out: PcmName[] = [];
  let current: { name: string; lines: string[] } | null = null;
  const finish = () => {
    if (current) out.push({ name: current.name, description: current.lines.join(' — ') });
  };
  for (const line of text.split(/\r?\n/)) {
    if (!line.trim()) continue;
    if (/^\s/.test(line)) {
      current?.lines.push(line.trim());
    } else {
      finish();
      current = { name: line.trim(), lines: [] };
    }
  }
  finish();
  return out;
}
