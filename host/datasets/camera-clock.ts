import type { DatasetFrame } from './frame.js';

/** One camera's frames as they come: how many, over how much of the camera's own time, at what rate. */
export class CameraClock {
  frames = 0;
  /** Camera ms from the first frame to the last, unwrapped (ticks_ms wraps at 2^32). */
  spanMs = 0;
  first: DatasetFrame | undefined;
  private last: DatasetFrame | undefined;

  /** Counts a frame; returns the camera's ms since the previous one (0 for the first). */
  tick(frame: DatasetFrame): number {
    const elapsed = this.last ? (frame.cameraMs - this.last.cameraMs) >>> 0 : 0;
    this.first ??= frame;
    this.last = frame;
    this.spanMs += elapsed;
    this.frames++;
    return elapsed;
  }

  /** The rate the camera took frames at (frames it missed included), or undefined before two frames a moment apart. */
  get cameraFps(): number | undefined {
    if (!this.first || !this.last || this.spanMs <= 0) return undefined;
    return ((this.last.seq - this.first.seq) * 1000) / this.spanMs;
  }

  /** The rate at which the frames received came: played at it, they last as long as the camera's time span. */
  get receivedFps(): number | undefined {
    return this.frames > 1 && this.spanMs > 0 ? ((this.frames - 1) * 1000) / this.spanMs : undefined;
  }
}
