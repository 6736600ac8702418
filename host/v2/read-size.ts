import type { LinkStats } from './link.js';

/** Largest single read: what omvd's device scripts serve from their buffer. */
const MAX_READ = 32 * 1024;
const MIN_READ = 48;
/** Each read weighs the line's recent history by this much against the new evidence. */
const MEMORY = 0.95;

/**
 * The size of the next read, from how often the line damages bytes: a read of n bytes arrives whole with
 * probability (1 - q)^n, and n·(1 - q)^n is largest at n = 1/q, so reads are 1/q bytes long, between 48 bytes and
 * 32 KiB. q is estimated from the packets that failed their CRC per byte received, over the last few dozen reads:
 * a clean line reads 32 KiB at a time, one that damages a byte in a thousand about 1 KB.
 */
export class ReadSizer {
  private errors = 0;
  private bytes = 0;
  private lastErrors = 0;
  private lastBytes = 0;

  constructor(private readonly stats: LinkStats) {}

  next(): number {
    const errors = this.stats.crcErrors + this.stats.damaged;
    this.errors = this.errors * MEMORY + (errors - this.lastErrors);
    this.bytes = this.bytes * MEMORY + (this.stats.wireBytesIn - this.lastBytes);
    this.lastErrors = errors;
    this.lastBytes = this.stats.wireBytesIn;
    if (this.errors < 1e-3) return MAX_READ;
    return Math.max(MIN_READ, Math.min(MAX_READ, Math.round(this.bytes / this.errors)));
  }
}
