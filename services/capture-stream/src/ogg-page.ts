/**
 * Whether `raw` is exactly one whole Ogg page: `OggS`, header of 27 + segment-count bytes, body = sum of the
 * segment table (RFC 3533 §6). codec-parser hands back a truncated page at flush; this tells them apart.
 */
export function isWholeOggPage(raw: Uint8Array): boolean {
  if (raw.length < 27 || raw[0] !== 0x4f || raw[1] !== 0x67 || raw[2] !== 0x67 || raw[3] !== 0x53) return false;
  const segments = raw[26]!;
  if (raw.length < 27 + segments) return false;
  let body = 0;
  for (let i = 0; i < segments; i++) body += raw[27 + i]!;
  return raw.length === 27 + segments + body;
}

/** ADTS frame length field (13 bits at bit 30): whether `raw` is exactly one whole ADTS frame. */
export function isWholeAdtsFrame(raw: Uint8Array): boolean {
  if (raw.length < 7 || raw[0] !== 0xff || (raw[1]! & 0xf6) !== 0xf0) return false;
  const len = ((raw[3]! & 0x03) << 11) | (raw[4]! << 3) | (raw[5]! >> 5);
  return raw.length === len;
}
