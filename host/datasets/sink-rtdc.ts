import { rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { packageInfo } from '../package-info.js';
import { ensureDir } from '../writers/disk.js';
import { ThreadedHdf5Writer } from '../writers/hdf5/threaded-writer.js';
import type { DatasetFrame, DatasetInfo, DatasetSink, StreamLoss } from './frame.js';
import { Hdf5Camera, hdf5Pixels, type Hdf5Pixels } from './hdf5-camera.js';
import { OrderedPipeline } from './ordered.js';
import { relativeSource } from './provenance.js';
import { cameraAttrs } from './rtdc-attrs.js';
import { allSteps, describeLoss, group, onDisk, PIPELINE_DEPTH, publishDir, ranges } from './sink.js';
import { FrameSizes } from './sizes.js';

type Item = { camera: string; frame: DatasetFrame; pixels?: Hdf5Pixels } | { camera: string; loss: StreamLoss };
interface File {
  path: string;
  w: ThreadedHdf5Writer;
  cam: Hdf5Camera;
  log: string[];
}
const RTDC = { main: 'events', time: 'time', extra: 'omvd' } as const;

/**
 * `.rtdc` files as dcnum's HDF5Writer makes them, one per camera, on writer threads: /events/image (gray),
 * /events/frame, /events/time, /events/index (1..N), dclab's metadata as root attributes (see cameraAttrs);
 * /omvd/host_time, /omvd/missing and /omvd/image_rgb (colour frames, with `info.keepColour`) outside /events, where
 * dclab would flag an unknown feature; /logs/omvd-export or /logs/omvd-capture. With one camera (an export) the
 * output is that file, created at once; with several (a capture's rtdc:DIR), `<dir>/cam_<id>.rtdc`, each created at
 * its camera's first frame, in `<dir>.part/` until the end.
 */
export async function rtdcSink(output: string, info: DatasetInfo & { keepColour?: boolean }): Promise<DatasetSink> {
  const many = info.cameras === 'many';
  const dir = many ? `${output}.part` : dirname(output);
  const files = new Map<string, File>();
  const open = async (camera: string, path: string): Promise<File> => {
    const w = await ThreadedHdf5Writer.open(path, { ...(info.compression ? { compression: info.compression } : {}) });
    const file = { path, w, cam: new Hdf5Camera(w, RTDC), log: [] };
    files.set(camera, file);
    return file;
  };
  const single = await onDisk(dir, `creating ${output}`, info.elsewhere, async () => {
    if (!many) return open('', output);
    await rm(dir, { recursive: true, force: true });
    await ensureDir(dir, info.elsewhere);
    ThreadedHdf5Writer.prepare(2); // each camera's file opens at its first frame, on a thread started now
    return undefined;
  });
  const fileOf = async (camera: string): Promise<File> => single ?? files.get(camera) ?? open(camera, join(dir, `${group(camera)}.rtdc`));
  const sizes = new FrameSizes();
  const cameraOf = new Map<File, string>();
  const pipe = new OrderedPipeline<Item, Item>(
    PIPELINE_DEPTH,
    async (item) => ('frame' in item ? { ...item, pixels: await hdf5Pixels(item.frame, info.keepColour ?? false) } : item),
    async (item) => {
      if ('loss' in item) {
        const file = single ?? files.get(item.camera);
        if (!file) return; // lost before its first frame: no file (its size is unknown); the summary tells
        await file.cam.lost(item.loss.missingAfter);
        file.log.push(describeLoss(item.camera, item.loss));
        return;
      }
      const file = await fileOf(item.camera);
      cameraOf.set(file, item.camera);
      await file.cam.add(item.frame, item.pixels!);
    },
  );
  const where = many ? output : dirname(output);
  return {
    async add(camera, frame) {
      const skip = sizes.check(camera, frame);
      if (skip) return skip;
      await onDisk(where, `writing ${output}`, info.elsewhere, () => pipe.add({ camera, frame }));
    },
    lost: (camera, loss) => onDisk(where, `writing ${output}`, info.elsewhere, () => pipe.add({ camera, loss })),
    finish: () =>
      allSteps(where, `writing ${output}`, info.elsewhere, [
        () => pipe.drain(),
        async () => {
          for (const file of single ? [single] : files.values()) await close(file, cameraOf.get(file) ?? '', info, many ? join(output, `${group(cameraOf.get(file)!)}.rtdc`) : output);
        },
        ...(many ? [() => publishDir(dir, output, info.elsewhere)] : []),
      ]),
    async abort() {
      await pipe.stop(); // a camera's first frame still on its way would create its file after the removal
      for (const file of single ? [single] : files.values()) {
        await file.w.abort();
        await rm(file.w.partPath, { force: true });
      }
      if (many) await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The file's log and metadata, then close (which renames it into place). `final` is where it will end up. */
async function close(file: File, camera: string, info: DatasetInfo, final: string): Promise<void> {
  const { cam, w } = file;
  const source = info.source;
  const lines = source
    ? [`exported by omvd ${packageInfo().version} from ${relativeSource(source.path, final)}`, `${cam.clock.frames} frames of ${source.frames}`]
    : [`captured by omvd ${packageInfo().version} from camera ${camera}: ${cam.clock.frames} frames`, ...(cam.missing.length ? [`frames that never arrived: ${ranges(cam.missing)}`] : []), ...file.log];
  await w.storeLog(source ? 'omvd-export' : 'omvd-capture', lines);
  await w.setAttrs(cameraAttrs(info, camera, cam.clock, final));
  await w.close();
}
