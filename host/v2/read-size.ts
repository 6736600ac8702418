import type { LinkStats } from './link.js';

/** Largest single read: what omvd's device scripts serve from their buffer. */
const MAX_READ = 32 * 1024;
const MIN_READ = 48;
/** The firmware's smallest max payload (OMV_PROTOCOL_MIN_PAYLOAD_SIZE). */
const MIN_PAYLOAD = 50;
/** Each read weighs the line's recent history by this much against the new evidence. */
const MEMORY = 0.95;

/**
 * How big reads and the packets of their replies should be, from how often the line damages bytes: q, the
 * packets that failed their CRC (or went missing) per byte received over the last few dozen reads.
 *
 * A reply's fragments that arrived whole before the first damaged one are kept, so on a bad line many small
 * packets beat one big one: a packet of P bytes arrives whole with probability (1 - q)^(P + 14), and P ≈ 0.15 / q
 * keeps about 85 % of them whole while the 14 bytes of framing stay a small part. Reads span about 2 / q bytes, so
 * that what streams on after a damaged packet (and is thrown away) stays short. A clean line reads 32 KiB at a
 * time in the largest packets the camera offers; one that damages a byte in a thousand, 2 KB in 150-byte packets.
 */
export class LineModel {
  private errors = 0;
  private bytes = 0;
  private lastErrors = 0;
  private lastBytes = 0;

  constructor(private readonly stats: LinkStats) {}

  /** Bytes damaged per byte received, recently (0 on a clean line). */
  private damage(): number {
    const errors = this.stats.crcErrors + this.stats.damaged;
    this.errors = this.errors * MEMORY + (errors - this.lastErrors);
    this.bytes = this.bytes * MEMORY + (this.stats.wireBytesIn - this.lastBytes);
    this.lastErrors = errors;
    this.lastBytes = this.stats.wireBytesIn;
    return this.errors < 1e-3 || this.bytes <= 0 ? 0 : this.errors / this.bytes;
  }

  /** The size of the next read, and the max payload its reply's packets should have (at most `largest`). */
  next(largest: number): { read: number; payload: number } {
    const q = this.damage();
    if (q === 0) return { read: MAX_READ, payload: largest };
    return {
      read: Math.max(MIN_READ, Math.min(MAX_READ, Math.round(2 / q))),
      payload: Math.max(MIN_PAYLOAD, Math.min(largest, Math.round(0.15 / q))),
    };
  }
}
