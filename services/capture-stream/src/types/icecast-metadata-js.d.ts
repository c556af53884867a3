// Minimal typings for the parts of icecast-metadata-js (no bundled types) that icy.ts uses.
declare module 'icecast-metadata-js' {
  export interface IcyStats {
    totalBytesRead: number;
    streamBytesRead: number;
    metadataBytesRead: number;
  }
  export type IcyValue =
    { stream: Uint8Array; stats: IcyStats } | { metadata: Record<string, string>; stats: IcyStats };
  export class IcecastMetadataReader {
    constructor(opts: {
      icyMetaInt?: number;
      icyDetectionTimeout?: number;
      icyCharacterEncoding?: string;
      metadataTypes?: ('icy' | 'ogg')[];
      enableLogging?: boolean;
    });
    iterator(chunk: Uint8Array): Iterable<IcyValue>;
  }
}
