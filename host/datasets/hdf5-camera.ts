import { decodePixformat } from '../../protocol/imageio/pixformat.js';
import { toGray, toRgb } from '../pixels/index.js';
import type { ThreadedHdf5Writer } from '../writers/hdf5/threaded-writer.js';
import { CameraClock } from './camera-clock.js';
import type { DatasetFrame } from './frame.js';

/** Where one camera's columns go in an HDF5 file. */
export interface Hdf5Layout {
  /** The group of `image`, `frame` and the camera's time (`events` in an .rtdc). */
  main: string;
  /** The name of the camera's time in seconds since its first frame: `time` (dclab's feature) or `camera_time`. */
  time: 'time' | 'camera_time';
  /** The group of `host_time`, `missing` and `image_rgb`: outside /events in an .rtdc, where dclab knows no such feature. */
  extra: string;
}

/** A frame's pixels as HDF5 stores them: gray (dclab's `image` is grayscale only), and RGB where kept. */
export interface Hdf5Pixels {
  gray: Uint8Array;
  rgb?: Uint8Array;
}

/** Converts a frame for an Hdf5Camera (off the writer's order: several at once, on sharp's threads). */
export async function hdf5Pixels(frame: DatasetFrame, keepColour: boolean): Promise<Hdf5Pixels> {
  const format = decodePixformat(frame.pixformat);
  const gray = await toGray(frame);
  return keepColour && (format.color || format.compressed) ? { gray, rgb: await toRgb(frame) } : { gray };
}

/**
 * One camera's frames in an HDF5 file on a writer thread: `image` (N×H×W uint8), `frame` (its frame number), the
 * camera's time (s since its first frame), `host_time` (epoch s), `missing` (frame numbers that never arrived)
 * and, for colour frames kept as such, `image_rgb` (N×H×W×3). Features are created at the first frame.
 */
export class Hdf5Camera {
  readonly clock = new CameraClock();
  readonly missing: number[] = [];
  private rgb = false;

  constructor(
    private readonly w: ThreadedHdf5Writer,
    private readonly layout: Hdf5Layout,
  ) {}

  async add(frame: DatasetFrame, pixels: Hdf5Pixels): Promise<void> {
    const { main, extra, time } = this.layout;
    if (this.clock.frames === 0) {
      await this.w.requireFeature('image', [frame.height, frame.width], 'u1', main);
      await this.w.requireFeature('frame', [], 'u8', main);
      await this.w.requireFeature(time, [], 'f8', main);
      await this.w.requireFeature('host_time', [], 'f8', extra);
      await this.w.requireFeature('missing', [], 'u8', extra);
      this.rgb = pixels.rgb !== undefined;
      if (this.rgb) await this.w.requireFeature('image_rgb', [frame.height, frame.width, 3], 'u1', extra);
    }
    this.clock.tick(frame);
    const columns = { image: pixels.gray, frame: BigUint64Array.of(BigInt(frame.seq)), [time]: Float64Array.of(this.clock.spanMs / 1000) };
    const others = {
      host_time: Float64Array.of(frame.hostTime),
      ...(this.rgb ? { image_rgb: pixels.rgb! } : {}),
      ...(frame.missedBefore.length ? { missing: BigUint64Array.from(frame.missedBefore, BigInt) } : {}),
    };
    // One message to the writer thread per group and frame.
    if (main === extra) await this.w.storeFeatureChunks({ ...columns, ...others }, main);
    else {
      await this.w.storeFeatureChunks(columns, main);
      await this.w.storeFeatureChunks(others, extra);
    }
    this.missing.push(...frame.missedBefore);
  }

  /** Frames the camera had taken that never arrived, once it went away. */
  async lost(missingAfter: readonly number[]): Promise<void> {
    if (this.clock.frames === 0 || missingAfter.length === 0) return;
    await this.w.storeFeatureChunk('missing', BigUint64Array.from(missingAfter, BigInt), this.layout.extra);
    this.missing.push(...missingAfter);
  }
}
