import type { Hdf5Compression } from '../writers/hdf5/compression.js';
import type { Meta } from './meta.js';

/**
 * One frame on its way into a dataset, whatever it comes from: a recording being exported or a live camera (a
 * capture's LiveFrame is one as it is).
 */
export interface DatasetFrame {
  /** The camera's frame number (0, 1, 2, …); a gap is a frame that never arrived (see missedBefore). */
  seq: number;
  /** The camera's ms clock when it took the frame (wraps at 2^32): intervals between frames come from it. */
  cameraMs: number;
  /**
   * Unix epoch seconds of the frame: its arrival at the host for a live camera; for a recording, the recording's
   * start time plus the camera's intervals.
   */
  hostTime: number;
  width: number;
  height: number;
  pixformat: number;
  data: Uint8Array;
  /** RGB565 stored big-endian (ImageIO's flag). */
  byteSwapped?: boolean;
  /** Frame numbers just before this one that never arrived. */
  missedBefore: readonly number[];
}

/** When and why a camera's frames stopped coming before the end. */
export interface StreamLoss {
  /** Host epoch seconds when the host noticed. */
  at: number;
  code: string;
  error: string;
  /** The last frame number received, or null if none was. */
  lastFrame: number | null;
  /** Frames the camera had taken that never arrived. */
  missingAfter: readonly number[];
}

/**
 * Where frames go, one output of one format. Frames of one camera arrive in order; cameras interleave. `add`
 * resolves once the frame is taken (it may still be converted and written meanwhile), or to why the sink skips it
 * (a frame of another size than the camera's first). `finish` publishes what the sink received (also after a
 * failure, so nothing received is discarded) and then throws what stopped it, if anything did; `abort` (only
 * before any frame was taken) removes what it created.
 */
export interface DatasetSink {
  add(camera: string, frame: DatasetFrame): Promise<string | void>;
  /** The camera went away: no more frames will come from it. */
  lost?(camera: string, loss: StreamLoss): Promise<void>;
  finish(): Promise<void>;
  abort(): Promise<void>;
}

/** The recording an export reads: every output records where it is (relative to the output) and its SHA-256. */
export interface SourceRecording {
  /** Absolute path. */
  path: string;
  sha256: string;
  frames: number;
  /** Unix epoch seconds of the first frame. */
  startTime: number;
}

/** What every sink is told when it is opened. */
export interface DatasetInfo {
  /** `omvd export` or `omvd capture`. */
  writer: string;
  /**
   * How many cameras the output holds: `one` (an export: the trace's sensor is `camera`, HDF5 and video outputs are
   * the file itself) or `many` (a capture: a sensor, group or file per camera, `cam_<id>`).
   */
  cameras: 'one' | 'many';
  /** dclab metadata (`section:key`) from the user, tags included as `user:` keys; it overrides what omvd fills. */
  meta: Meta;
  /** The capture's tags, for the trace's config and the record log's header. */
  tags: Readonly<Record<string, string | number | boolean>>;
  source?: SourceRecording;
  /**
   * The cameras known by their unique id (a live camera, or a recording's from its sync manifest) with their board
   * when known: their datasets name them (`setup:identifier`). An export of a recording from elsewhere has none.
   */
  known?: Readonly<Record<string, { board?: string }>>;
  compression?: Hdf5Compression;
  /** What a user does when the output's folder is full or read-only (a disk error's advice). */
  elsewhere: string;
  /** A frame rate to state until a camera's second frame tells the real one (AVI only). */
  nominalFps?: number;
}
