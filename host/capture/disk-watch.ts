import { freeBytes, HostDiskError, megabytes } from '../writers/disk.js';
import { ELSEWHERE } from './sink.js';

/** Space kept free for closing the outputs: buffered HDF5 chunks, indexes, side files. */
const BASE_RESERVE = 4 * 2 ** 20;

/**
 * Watches the free space of the folders a capture writes to and calls `onLow` once, while there is still room to
 * close every output properly, when it falls under what the outputs need: a fixed reserve plus 1.5 s of the frames'
 * incoming bytes for each output in that folder. A full disk then ends the capture as Ctrl-C does, with complete
 * files, instead of failing writes part-way. Returns the function that stops watching.
 */
export function watchFreeSpace(dirs: readonly string[], bytesPerSecond: () => number, onLow: (err: HostDiskError) => void, everyMs = 250): () => void {
  const outputsIn = new Map<string, number>();
  for (const d of dirs) outputsIn.set(d, (outputsIn.get(d) ?? 0) + 1);
  let done = false;
  let busy = false;
  const check = async (): Promise<void> => {
    if (busy || done) return;
    busy = true;
    try {
      for (const [dir, outputs] of outputsIn) {
        const free = await freeBytes(dir).catch(() => Infinity);
        const reserve = BASE_RESERVE + 1.5 * bytesPerSecond() * outputs;
        if (free < reserve && !done) {
          done = true;
          const when = new Date().toISOString();
          onLow(new HostDiskError('ENOSPC', `${dir} is nearly full (${megabytes(free)} free, ${megabytes(reserve)} kept to close the outputs): the capture stopped at ${when} with complete outputs; free some space or ${ELSEWHERE}`));
          return;
        }
      }
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void check(), everyMs);
  void check();
  return () => {
    done = true;
    clearInterval(timer);
  };
}

/** Bytes per second over a sliding window of the last few seconds. */
export class RateMeter {
  private readonly samples: { t: number; bytes: number }[] = [];

  constructor(private readonly windowMs = 2000) {}

  add(bytes: number): void {
    this.samples.push({ t: Date.now(), bytes });
    this.forget();
  }

  perSecond(): number {
    this.forget();
    return (this.samples.reduce((sum, s) => sum + s.bytes, 0) * 1000) / this.windowMs;
  }

  private forget(): void {
    const since = Date.now() - this.windowMs;
    while (this.samples.length && this.samples[0]!.t < since) this.samples.shift();
  }
}
