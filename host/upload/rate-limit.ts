import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';

const UNITS: Record<string, number> = { b: 1, kb: 1e3, kib: 1024, mb: 1e6, mib: 1024 ** 2, gb: 1e9, gib: 1024 ** 3 };

/** Parses a rate like `5MB/s`, `800kB/s`, `2MiB/s` or `1.5 GB/s` into bytes per second; undefined if it is not one. */
export function parseRate(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmg]i?b|b)\s*\/\s*s\s*$/i.exec(text);
  if (!m) return undefined;
  const rate = Number(m[1]) * UNITS[m[2]!.toLowerCase()]!;
  return rate >= 1 ? rate : undefined;
}

/**
 * A token bucket shared by everything one omvd process sends to the store, so `--upload-limit` caps the sum of
 * all parts in flight. The bucket holds at most a tenth of a second of bytes: a limit is a limit, not an average
 * with bursts at line speed.
 */
export class RateLimit {
  private tokens = 0;
  private last = performance.now();
  private queue: Promise<void> = Promise.resolve();
  readonly slice: number;

  constructor(readonly bytesPerS: number) {
    this.slice = Math.max(1024, Math.min(64 * 1024, Math.floor(bytesPerS / 10)));
  }

  /** Waits until `n` (≤ slice) bytes may go; callers are served in order. */
  take(n: number, signal?: AbortSignal): Promise<void> {
    const turn = this.queue.then(async () => {
      this.refill();
      if (this.tokens < n) await sleep(((n - this.tokens) / this.bytesPerS) * 1000, undefined, { signal });
      this.refill();
      this.tokens -= n;
    });
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  private refill(): void {
    const now = performance.now();
    this.tokens = Math.min(this.slice, this.tokens + ((now - this.last) / 1000) * this.bytesPerS);
    this.last = now;
  }
}

/** A request body for `data`: one chunk, or slices paced by `limit`. A fresh one is needed for every attempt. */
export function body(data: Uint8Array, limit?: RateLimit, signal?: AbortSignal): Readable {
  if (!limit) return Readable.from([data], { objectMode: false });
  return Readable.from(
    (async function* () {
      for (let at = 0; at < data.length; at += limit.slice) {
        const piece = data.subarray(at, at + limit.slice);
        // Stopped: the SDK aborts the request itself; an error here would have no listener once it has.
        if (!(await limit.take(piece.length, signal).then(() => true, () => false))) return;
        yield piece;
      }
    })(),
    { objectMode: false },
  );
}
