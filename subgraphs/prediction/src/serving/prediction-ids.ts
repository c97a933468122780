import { isUuid } from '@modelplane/core';
import { randomFillSync } from 'node:crypto';

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
/**
 * The ids of one predict/predictBatch call: time-ordered UUIDs (version 7: 48 bits of Unix time in
 * milliseconds, then 74 random bits), so the log's primary-key index grows at its right edge
 * instead of taking random inserts all over (measured ~15 % less PostgreSQL CPU per logged row).
 * Kept as 16 bytes each outside the JavaScript heap: a string is made only when a client selects
 * `id`, and the log copies the bytes. (A string per row lived until the log was flushed and was
 * most of what the collector copied.)
 */
export class PredictionIds {
  readonly bytes: Buffer;

  constructor(
    readonly length: number,
    now = Date.now(),
  ) {
    this.bytes = randomFillSync(Buffer.allocUnsafe(16 * length));
    const high = Math.floor(now / 2 ** 16);
    const low = now % 2 ** 16;
    for (let i = 0; i < length; i++) {
      const o = i * 16;
      this.bytes.writeUInt32BE(high, o);
      this.bytes.writeUInt16BE(low, o + 4);
      this.bytes[o + 6] = (this.bytes[o + 6]! & 0x0f) | 0x70; // version 7
      this.bytes[o + 8] = (this.bytes[o + 8]! & 0x3f) | 0x80; // RFC 9562 variant
    }
  }

  /** The i-th id as a lowercase UUID string. */
  at(i: number): string {
    const b = this.bytes;
    const o = i * 16;
    return (
      HEX[b[o]!]! +
      HEX[b[o + 1]!]! +
      HEX[b[o + 2]!]! +
      HEX[b[o + 3]!]! +
      '-' +
      HEX[b[o + 4]!]! +
      HEX[b[o + 5]!]! +
      '-' +
      HEX[b[o + 6]!]! +
      HEX[b[o + 7]!]! +
      '-' +
      HEX[b[o + 8]!]! +
      HEX[b[o + 9]!]! +
      '-' +
      HEX[b[o + 10]!]! +
      HEX[b[o + 11]!]! +
      HEX[b[o + 12]!]! +
      HEX[b[o + 13]!]! +
      HEX[b[o + 14]!]! +
      HEX[b[o + 15]!]!
    );
  }

  /** Whether the UUID string `id` is one of these. */
  includes(id: string): boolean {
    if (!isUuid(id)) return false;
    const needle = Buffer.from(id.replace(/-/g, ''), 'hex');
    for (let from = 0; ;) {
      const at = this.bytes.indexOf(needle, from);
      if (at < 0) return false;
      if (at % 16 === 0) return true;
      from = at + 1;
    }
  }
}
