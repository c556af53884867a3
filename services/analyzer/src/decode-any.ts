import { decodeWav } from './decode-wav.ts';
import { decodeFfmpeg } from './decode-ffmpeg.ts';
export async function decodeAny(p: string) { return p.endsWith('.wav') ? decodeWav(p) : decodeFfmpeg(p, {ffmpeg:'ffmpeg', ffprobe:'ffprobe'}); }
