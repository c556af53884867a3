import { IcecastMetadataReader } from 'icecast-metadata-js';

export type IcyPiece = { stream: Uint8Array } | { metadata: Record<string, string> };

/**
 * Splits an Icecast response into audio bytes and ICY metadata blocks (every `icy-metaint` bytes), using
 * icecast-metadata-js. Without a metaint (the server offers no ICY metadata) every byte is audio.
 */
export class IcySplitter {
  private readonly reader: IcecastMetadataReader | null;

  constructor(metaInt: number | undefined) {
    this.reader =
      metaInt && metaInt > 0
        ? new IcecastMetadataReader({ icyMetaInt: metaInt, icyDetectionTimeout: 0, metadataTypes: ['icy'] })
        : null;
  }

  *push(bytes: Uint8Array): Generator<IcyPiece> {
    if (!this.reader) {
      if (bytes.length) yield { stream: bytes };
      return;
    }
    for (const v of this.reader.iterator(bytes)) {
      if ('metadata' in v) yield { metadata: v.metadata };
      else if (v.stream.length) yield { stream: v.stream };
    }
  }
}

/** Parses the `icy-metaint` response header; undefined when absent or not a positive integer. */
export function parseMetaInt(header: string | string[] | undefined): number | undefined {
  const raw = Array.isArray(header) ? header[0] : header;
  const n = raw === undefined ? NaN : Number(raw);
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}
