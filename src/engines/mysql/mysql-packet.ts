/**
 * Reading the values of a text-protocol row packet: one length-encoded string per column,
 * or the byte 0xFB for NULL. `MysqlSession.eachRaw` hands rows on as these bytes.
 */

/** The first byte of a NULL value. */
export const NULL_VALUE = 0xfb;

/** Length of the length-encoded string whose header starts at `src[p]` (not a NULL). */
export function lengthAt(src: Uint8Array, p: number): number {
  const first = src[p] as number;
  if (first < 0xfb) return first;
  const low = (src[p + 1] as number) | ((src[p + 2] as number) << 8);
  if (first === 0xfc) return low;
  if (first === 0xfd) return low + (src[p + 3] as number) * 0x10000;
  // 0xFE: 8 bytes, of which the high 4 are 0 (a packet holds less than 4 GiB).
  return low + (src[p + 3] as number) * 0x10000 + (src[p + 4] as number) * 0x1000000;
}

/** Bytes of the length header that starts with `first`. */
export function headerSize(first: number): number {
  return first < 0xfb ? 1 : first === 0xfc ? 3 : first === 0xfd ? 4 : 9;
}
