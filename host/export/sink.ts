import type { FrameEntry } from '../../protocol/imageio/indexer.js';

/** What every exporter is told about the recording before its first frame. */
export interface RecordingInfo {
  name: string;
  source: string;
  /** SHA-256 of the recording file, stored in every output so a re-run knows it is complete. */
  sha256: string;
  width: number;
  height: number;
  pixformat: number;
  /** Unix epoch seconds of the first frame. */
  startTime: number;
  frames: number;
  /** Mean frame rate over the recording (0 with fewer than two frames). */
  fps: number;
}

export interface ExportFrame {
  entry: FrameEntry;
  data: Uint8Array;
  /** Seconds since the first frame, from the recording's elapsed-ms fields. */
  time: number;
}

/** One output format. `add` may refuse a frame by returning a reason; the exporter reports it as skipped. */
export interface Sink {
  readonly output: string;
  add(frame: ExportFrame): Promise<string | undefined>;
  finish(): Promise<void>;
  abort(): Promise<void>;
}
