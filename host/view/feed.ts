import { toJpeg } from '../pixels/index.js';
import type { LiveFrame } from '../capture/live.js';
import type { CameraSetup } from '../capture/session.js';
import type { CaptureSink } from '../capture/sinks.js';

/** What the page shows of one camera's live frames. */
export interface LiveStatus {
  /** `live` while frames arrive; `off` when no session runs on the camera. */
  state: 'off' | 'live';
  pixformat: string;
  framesize: string;
  width: number | null;
  height: number | null;
  frames: number;
  dropped: number;
  fps: number;
  /** The newest frame's sequence number (-1: none yet); the page fetches the frame again when it changes. */
  seq: number;
}

/**
 * One camera's newest frame, as a JPEG, and its live figures, fed by a capture sink (a capture's or the view's own
 * session). Conversion never holds the session back: while one frame converts, newer ones are counted and skipped.
 * Subscribers (an MJPEG stream) are told of each new JPEG.
 */
export class LiveFeed {
  readonly status: LiveStatus = { state: 'off', pixformat: 'GRAYSCALE', framesize: 'QVGA', width: null, height: null, frames: 0, dropped: 0, fps: 0, seq: -1 };
  jpeg: Uint8Array | null = null;
  private liveSince = 0;
  private converting = false;
  private readonly subscribers = new Set<(jpeg: Uint8Array) => void>();

  /** The sink for a session at these settings; its frames make the feed live. */
  sink(setup: Pick<CameraSetup, 'pixformat' | 'framesize'>): CaptureSink {
    Object.assign(this.status, { pixformat: setup.pixformat ?? 'GRAYSCALE', framesize: setup.framesize ?? 'QVGA' });
    return {
      add: async (_camera: string, frame: LiveFrame) => this.add(frame),
      lost: async () => this.off(),
      finish: async () => this.off(),
      abort: async () => this.off(),
    };
  }

  private add(frame: LiveFrame): void {
    const s = this.status;
    if (s.state !== 'live') {
      Object.assign(s, { state: 'live', width: frame.width, height: frame.height, frames: 0, dropped: 0 });
      this.liveSince = Date.now();
    }
    s.frames++;
    s.dropped += frame.missedBefore.length;
    s.fps = s.frames / Math.max(0.001, (Date.now() - this.liveSince) / 1000);
    if (this.converting) return;
    this.converting = true;
    void toJpeg({ width: frame.width, height: frame.height, pixformat: frame.pixformat, data: frame.data }, { quality: 80 })
      .then((jpeg) => {
        this.jpeg = jpeg;
        s.seq = frame.seq;
        for (const fn of this.subscribers) fn(jpeg);
      })
      .catch(() => {})
      .finally(() => (this.converting = false));
  }

  off(): void {
    this.status.state = 'off';
    this.status.fps = 0;
  }

  subscribe(fn: (jpeg: Uint8Array) => void): () => void {
    this.subscribers.add(fn);
    return () => this.subscribers.delete(fn);
  }

  get watchers(): number {
    return this.subscribers.size;
  }
}
