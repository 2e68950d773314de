import type { EventSink } from '../../progress/events.js';

/** Bytes between two `bytes` events: often enough for a bar, rare enough to cost nothing. */
const EVERY = 1 << 20;

/**
 * Passes `source` through and reports the bytes read so far as `bytes` events. Jobs that only
 * read (verify) have no other sign of life, and a plan's stall watch needs one: a long
 * verification is progress, not a stall.
 */
export async function* reportingBytes(
  source: AsyncIterable<Buffer>,
  events: EventSink,
): AsyncGenerator<Buffer> {
  let bytes = 0;
  let reported = 0;
  for await (const chunk of source) {
    bytes += chunk.length;
    if (bytes - reported >= EVERY) {
      reported = bytes;
      events({ type: 'bytes', bytes });
    }
    yield chunk;
  }
  events({ type: 'bytes', bytes });
}
