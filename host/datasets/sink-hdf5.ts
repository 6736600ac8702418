import { dirname } from 'node:path';
import { rm } from 'node:fs/promises';
import { packageInfo } from '../package-info.js';
import { ThreadedHdf5Writer } from '../writers/hdf5/threaded-writer.js';
import type { DatasetFrame, DatasetInfo, DatasetSink, StreamLoss } from './frame.js';
import { Hdf5Camera, hdf5Pixels, type Hdf5Pixels } from './hdf5-camera.js';
import { OrderedPipeline } from './ordered.js';
import { cameraAttrs } from './rtdc-attrs.js';
import { allSteps, describeLoss, group, onDisk, PIPELINE_DEPTH } from './sink.js';
import { FrameSizes } from './sizes.js';

type Item = { camera: string; frame: DatasetFrame; pixels?: Hdf5Pixels } | { camera: string; loss: StreamLoss };

/**
 * One HDF5 file for every camera, a group per camera (`/cam_<id>/`): `image` (N×H×W uint8, gray), `frame` (the
 * camera's frame numbers), `camera_time` (s since its first frame, by the camera's clock), `host_time` (epoch s,
 * the clock the cameras share), `missing` (frame numbers the ring overwrote before the host read them, and those
 * a camera that went away never sent), and the camera's dclab metadata as the group's attributes (see
 * cameraAttrs); the user's at the root. `/logs/omvd-capture` says when and why a camera went away. It is no
 * .rtdc (dclab reads one measurement per file: rtdcSink makes those). Written on a writer thread.
 */
export async function hdf5Sink(path: string, info: DatasetInfo): Promise<DatasetSink> {
  const w = await onDisk(dirname(path), `creating ${path}.part`, info.elsewhere, () =>
    ThreadedHdf5Writer.open(path, {
      rtdc: false,
      ...(info.compression ? { compression: info.compression } : {}),
      attrs: { 'experiment:sample': info.writer, 'setup:software version': `omvd ${packageInfo().version}`, ...info.meta },
    }),
  );
  const cameras = new Map<string, Hdf5Camera>();
  const log: string[] = [];
  const sizes = new FrameSizes();
  const pipe = new OrderedPipeline<Item, Item>(
    PIPELINE_DEPTH,
    async (item) => ('frame' in item ? { ...item, pixels: await hdf5Pixels(item.frame, false) } : item),
    async (item) => {
      let cam = cameras.get(item.camera);
      if ('loss' in item) {
        await cam?.lost(item.loss.missingAfter);
        log.push(describeLoss(item.camera, item.loss));
        return;
      }
      if (!cam) {
        cam = new Hdf5Camera(w, { main: group(item.camera), time: 'camera_time', extra: group(item.camera) });
        cameras.set(item.camera, cam);
      }
      await cam.add(item.frame, item.pixels!);
    },
  );
  const on = <T>(step: () => Promise<T>): Promise<T> => onDisk(dirname(path), `writing ${path}`, info.elsewhere, step);
  return {
    async add(camera, frame) {
      const skip = sizes.check(camera, frame);
      if (skip) return skip;
      await on(() => pipe.add({ camera, frame }));
    },
    lost: (camera, loss) => on(() => pipe.add({ camera, loss })),
    finish: () =>
      allSteps(dirname(path), `writing ${path}`, info.elsewhere, [
        () => pipe.drain(),
        async () => {
          for (const [camera, cam] of cameras) await w.setAttrs(cameraAttrs(info, camera, cam.clock, path), group(camera));
        },
        () => log.length && w.storeLog('omvd-capture', log),
        () => w.close(),
      ]),
    async abort() {
      await pipe.stop();
      await w.abort();
      await rm(w.partPath, { force: true });
    },
  };
}
