/** KV buckets. Keys are source names or derived from relative paths (see analysisKey). */
export const Buckets = {
  /** One key per source: SourceStatus. */
  status: 'isr_status',
  /** One key per recording: AnalysisRecord. */
  analysis: 'isr_analysis',
  /** One key per source: CodecInit of its latest capture session (Ogg/FLAC header pages). */
  codec: 'isr_codec',
} as const;

export interface BucketSpec {
  name: string;
  description: string;
  history: number;
  /** Seconds; 0 = keep forever. */
  ttlSeconds: number;
}

export const BucketSpecs: Record<keyof typeof Buckets, BucketSpec> = {
  status: { name: Buckets.status, description: 'ISR live state per source', history: 1, ttlSeconds: 0 },
  analysis: { name: Buckets.analysis, description: 'ISR analysis per recording', history: 1, ttlSeconds: 0 },
  codec: { name: Buckets.codec, description: 'ISR codec header pages per source session', history: 16, ttlSeconds: 0 },
};

/**
 * KV key for a recording's analysis. KV keys allow [-/_=.a-zA-Z0-9]; a relative path is mapped
 * reversibly: every other byte becomes `=XX` (hex) and `=` itself becomes `=3D`; `/` becomes `.` after escaping dots.
 */
export function analysisKey(relativePath: string): string {
  let out = '';
  for (const byte of Buffer.from(relativePath, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9_-]/.test(c)) out += c;
    else if (c === '/') out += '.';
    else out += '=' + byte.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

export function pathOfAnalysisKey(key: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < key.length; i++) {
    const c = key[i]!;
    if (c === '=') {
      bytes.push(parseInt(key.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c === '.') bytes.push(0x2f);
    else bytes.push(c.charCodeAt(0));
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Value of KV isr_codec.<source>: the codec header pages of a capture session, so every file can play alone. */
export interface CodecInit {
  source: string;
  session: string;
  format: string;
  codec: string;
  sampleRate: number;
  channels: number;
  /** Base64 of the bytes to put at the start of every file of this session (Ogg BOS + comment (+ setup) pages; FLAC `fLaC` + metadata blocks). */
  init: string;
}
