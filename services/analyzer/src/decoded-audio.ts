/** What every decoder adapter yields: the stream's parameters and its samples as float blocks. */
export interface AudioBlock {
  /** Interleaved −1…1 samples; only the first frames × channels are valid; reused after the next block is asked for. */
  samples: Float32Array;
  frames: number;
}

export interface DecodedAudio {
  /** 'wav' | 'flac' | 'mp3' | 'ogg' | 'aac' | … (the container found, not the file extension). */
  container: string;
  /** 'pcm_s16le', 'flac', 'mp3', 'opus', 'vorbis', 'aac', … */
  codec: string;
  /** How it was decoded: 'wav-reader' (WAV/RF64, our own reader), 'libflac' (native FLAC) or 'ffmpeg' (everything else). */
  decoder: string;
  sampleRate: number;
  channels: number;
  bitsPerSample: number | null;
  warnings: string[];
  blocks: AsyncIterable<AudioBlock>;
}
