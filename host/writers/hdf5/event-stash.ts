import { Hdf5Error } from './errors.js';

/** Frame numbers `from`..`to` (inclusive) that never arrived. */
export interface FrameRange {
  from: number;
  to: number;
}

/**
 * Puts events that arrive out of order back in frame order (dcnum's EventStash, as a sliding window). Events are
 * released as soon as every earlier frame number has been released; at most `window` frame numbers are held open,
 * so a frame that would need a wider window releases what is held, and the frames never seen are recorded as
 * missing. A frame number before the released ones, or one given twice, is an error.
 */
export class EventStash<T> {
  private readonly held = new Map<number, T>();
  private readonly gaps: FrameRange[] = [];
  private nextFrame: number;

  constructor(firstFrame: number, readonly window: number) {
    if (!Number.isSafeInteger(firstFrame) || firstFrame < 0) throw new RangeError(`first frame number must be an integer ≥ 0, got ${firstFrame}`);
    if (!Number.isInteger(window) || window < 1) throw new RangeError(`stash window must be an integer ≥ 1, got ${window}`);
    this.nextFrame = firstFrame;
  }

  /** The frame number the next released event will have, unless it is declared missing. */
  get next(): number {
    return this.nextFrame;
  }

  /** Events waiting for an earlier frame. */
  get size(): number {
    return this.held.size;
  }

  get missing(): FrameRange[] {
    return this.gaps.map((g) => ({ ...g }));
  }

  /** Takes the event of frame `frame`; returns the events now releasable, in frame order. */
  add(frame: number, event: T): [number, T][] {
    if (!Number.isSafeInteger(frame) || frame < 0) throw new Hdf5Error('EFRAMEORDER', `frame number ${frame} is not an integer ≥ 0`);
    if (frame < this.nextFrame) {
      throw new Hdf5Error('EFRAMEORDER', `frame ${frame} arrived after frames up to ${this.nextFrame - 1} were written or declared missing; a wider stash window would have waited for it`);
    }
    if (this.held.has(frame)) throw new Hdf5Error('EFRAMEORDER', `frame ${frame} was given twice`);
    const released = frame >= this.nextFrame + this.window ? this.releaseBefore(frame - this.window + 1) : [];
    this.held.set(frame, event);
    return released.concat(this.releaseContiguous());
  }

  /** Releases everything held, in frame order, recording the gaps between as missing (used at finish). */
  drain(): [number, T][] {
    if (this.held.size === 0) return [];
    return this.releaseBefore(Math.max(...this.held.keys()) + 1);
  }

  /** Gives up waiting for frames before `end`: releases held ones, records the others as missing. */
  private releaseBefore(end: number): [number, T][] {
    const frames = [...this.held.keys()].filter((f) => f < end).sort((a, b) => a - b);
    const out: [number, T][] = [];
    for (const f of frames) {
      if (f > this.nextFrame) this.addGap(this.nextFrame, f - 1);
      out.push([f, this.held.get(f) as T]);
      this.held.delete(f);
      this.nextFrame = f + 1;
    }
    if (end > this.nextFrame) this.addGap(this.nextFrame, end - 1);
    this.nextFrame = Math.max(this.nextFrame, end);
    return out;
  }

  private releaseContiguous(): [number, T][] {
    const out: [number, T][] = [];
    while (this.held.has(this.nextFrame)) {
      out.push([this.nextFrame, this.held.get(this.nextFrame) as T]);
      this.held.delete(this.nextFrame++);
    }
    return out;
  }

  private addGap(from: number, to: number): void {
    const last = this.gaps.at(-1);
    if (last && last.to + 1 === from) last.to = to;
    else this.gaps.push({ from, to });
  }
}
