import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSession, type CameraSetup } from '../host/capture/session.js';
import { hdf5CaptureSink, traceCaptureSink, type CaptureSink } from '../host/capture/sinks.js';
import { VirtualCamera } from '../host/sim/virtual-camera.js';
import { fmt } from './measure.js';

const LADDER = [30, 60, 90, 120, 160, 200, 240];
const SECONDS = 2;

/** The highest rate on the ladder at which a capture into `sinks` loses no frame (0 if even the lowest loses some). */
async function sustained(camera: VirtualCamera, pixformat: CameraSetup['pixformat'], sinks: (dir: string) => Promise<CaptureSink[]>): Promise<number> {
  let best = 0;
  for (const fps of LADDER) {
    const dir = mkdtempSync(join(tmpdir(), 'omvd-bench-capture-'));
    try {
      const [s] = await runSession({ cameras: [{ link: camera.link, pixformat, framesize: 'QVGA', fps, liveSlots: 8 }], sinks: await sinks(dir), durationS: SECONDS });
      if (s!.dropped > 0 || s!.frames < fps * SECONDS * 0.8) break;
      best = fps;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return best;
}

/**
 * bench/capture: the highest frame rate one virtual camera sustains with zero drops into HDF5 and into a roverd
 * trace, against the rate it sustains to a consumer that discards the frames, same run, QVGA gray and JPEG.
 */
export async function capture(): Promise<string[]> {
  const lines: string[] = [];
  const camera = await VirtualCamera.start({ fps: 240, board: 'RT1062' }); // QVGA at 240 fps is far past USB full speed
  try {
    for (const pixformat of ['GRAYSCALE', 'JPEG'] as const) {
      const discard = await sustained(camera, pixformat, async () => []);
      const h5 = await sustained(camera, pixformat, async (dir) => [await hdf5CaptureSink(join(dir, 'run.h5'))]);
      const trace = await sustained(camera, pixformat, async (dir) => [await traceCaptureSink(join(dir, 'run'))]);
      const pct = (n: number): string => (discard ? `${fmt((100 * n) / discard, 0)}%` : 'n/a');
      lines.push(`capture QVGA ${pixformat.padEnd(9)} zero-drop rate: discard ${discard} fps, HDF5 ${h5} fps (${pct(h5)}), roverd trace ${trace} fps (${pct(trace)}) (target ≥ 95%; ladder ${LADDER.join('/')})`);
    }
  } finally {
    await camera.stop();
  }
  return lines;
}
