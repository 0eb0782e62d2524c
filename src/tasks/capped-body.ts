import type { Readable } from 'node:stream';

/**
 * Reads a response body as it arrives and keeps its first `maxBytes` as text. Once that much is
 * kept the stream is destroyed: the rest is never read, so a body of any size (or one that never
 * ends) costs at most `maxBytes` of memory and ends the call at once. A UTF-8 character cut at
 * the limit is left out rather than kept as U+FFFD.
 */
export async function readCapped(body: Readable, maxBytes: number): Promise<string> {
  const kept: Buffer[] = [];
  let size = 0;
  if (maxBytes > 0) {
    for await (const chunk of body as AsyncIterable<Buffer | string>) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      const room = maxBytes - size;
      kept.push(bytes.length > room ? bytes.subarray(0, room) : bytes);
      size += Math.min(bytes.length, room);
      if (size >= maxBytes) break;
    }
  }
  // Leaving the loop early destroys the stream already; this covers maxBytes 0 and is harmless after.
  body.destroy();
  return new TextDecoder().decode(Buffer.concat(kept), { stream: true });
}
