import type { DatasetFrame } from './frame.js';

/**
 * Each camera's frame size, from its first frame: a dataset holds one size per camera (an HDF5 feature, a raw
 * channel, an AVI), so a frame of another size is skipped, with the reason this returns, rather than resized.
 */
export class FrameSizes {
  private readonly sizes = new Map<string, { width: number; height: number }>();

  check(camera: string, frame: DatasetFrame): string | undefined {
    const size = this.sizes.get(camera);
    if (!size) this.sizes.set(camera, { width: frame.width, height: frame.height });
    else if (size.width !== frame.width || size.height !== frame.height) return `${frame.width}×${frame.height} differs from the ${size.width}×${size.height} of the camera's first frame`;
    return undefined;
  }
}
