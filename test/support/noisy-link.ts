import { EventEmitter } from 'node:events';
import { Duplex } from 'node:stream';
import { openSerial, closeSerial } from '../../host/v2/serial.js';
import { servePty } from '../../host/sim/pty.js';

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

/** Damages bytes at `rate` per byte: each damaged byte is dropped, has one bit flipped, or gets a random byte inserted before it, in equal parts. */
export class Noise {
  readonly counts: NoiseCounts = { dropped: 0, flipped: 0, inserted: 0 };
  private readonly random: () => number;

  constructor(private readonly rate: number, seed = 1) {
    this.random = prng(seed);
  }

  get damaged(): number {
    return this.counts.dropped + this.counts.flipped + this.counts.inserted;
  }

  damage(data: Uint8Array): Uint8Array {
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

/** Sits between a host and an in-process camera link and damages bytes both ways (see Noise). */
export class NoisyLink extends EventEmitter {
  private readonly noise: Noise;

  constructor(private readonly inner: Duplex, rate: number, seed = 1) {
    super();
    this.noise = new Noise(rate, seed);
    inner.on('data', (d: Buffer) => this.emit('data', this.noise.damage(new Uint8Array(d))));
    inner.on('close', () => this.emit('close'));
  }

  get counts(): NoiseCounts {
    return this.noise.counts;
  }

  write(data: Uint8Array): boolean {
    return this.inner.write(this.noise.damage(data));
  }
}

export interface NoisyPty {
  /** The noisy port a host opens (a symlink to a pty). */
  path: string;
  noise: Noise;
  close(): Promise<void>;
}

/**
 * A bad cable between a host and a serial camera: opens the camera's port `target` and serves a new pty at `path`
 * whose bytes are pumped to and from it, damaged both ways at `rate` per byte. Real ports and real bytes, so the
 * host under test runs exactly as it would on a noisy line.
 */
export async function noisyPty(target: string, path: string, rate: number, seed = 1): Promise<NoisyPty> {
  const port = await openSerial(target, 921600);
  const noise = new Noise(rate, seed);
  const link = new Duplex({
    write(chunk: Buffer, _enc, done) {
      port.write(Buffer.from(noise.damage(new Uint8Array(chunk))));
      done();
    },
    read() {},
  });
  port.on('data', (d: Buffer) => link.push(Buffer.from(noise.damage(new Uint8Array(d)))));
  const pty = await servePty(link, path);
  return {
    path,
    noise,
    async close() {
      await pty.close();
      await closeSerial(port);
    },
  };
}
