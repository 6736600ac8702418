import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';

/** A deterministic pseudo-random source (mulberry32), so a failing noise test can be replayed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface NoiseCounts {
  dropped: number;
  flipped: number;
  inserted: number;
}

/**
 * Sits between a host and a camera link and damages bytes both ways at `rate` per byte: each damaged byte is
 * dropped, has one bit flipped, or gets a random byte inserted before it, in equal parts.
 */
export class NoisyLink extends EventEmitter {
  readonly counts: NoiseCounts = { dropped: 0, flipped: 0, inserted: 0 };
  private readonly random: () => number;

  constructor(private readonly inner: Duplex, private readonly rate: number, seed = 1) {
    super();
    this.random = prng(seed);
    inner.on('data', (d: Buffer) => this.emit('data', this.damage(new Uint8Array(d))));
    inner.on('close', () => this.emit('close'));
  }

  write(data: Uint8Array): boolean {
    return this.inner.write(this.damage(data));
  }

  private damage(data: Uint8Array): Uint8Array {
    const out: number[] = [];
    for (const byte of data) {
      if (this.random() >= this.rate) {
        out.push(byte);
        continue;
      }
      const kind = this.random();
      if (kind < 1 / 3) this.counts.dropped++;
      else if (kind < 2 / 3) {
        out.push(byte ^ (1 << Math.floor(this.random() * 8)));
        this.counts.flipped++;
      } else {
        out.push(Math.floor(this.random() * 256), byte);
        this.counts.inserted++;
      }
    }
    return Uint8Array.from(out);
  }
}
