import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { toGray } from '../pixels/index.js';
import { Hdf5Writer, type AttrValue } from '../writers/hdf5/hdf5-writer.js';
import { diskError } from '../writers/disk.js';
import type { LiveFrame } from './live.js';
import { OrderedPipeline } from './ordered.js';
import type { CameraLoss } from './session.js';
import type { TagValue } from './session-file.js';
import { allSteps, onDisk, describeLoss, ELSEWHERE, group, PIPELINE_DEPTH, type CaptureSink } from './sink.js';

type Item = { camera: string; frame: LiveFrame; gray?: Uint8Array } | { camera: string; loss: CameraLoss };

/** Tags as `user:` root attributes: whole numbers as int64, other numbers as float64, true/false as strings. */
export function userAttrs(tags: Record<string, TagValue>): Record<string, AttrValue> {
  return Object.fromEntries(Object.entries(tags).map(([k, v]) => [`user:${k}`, typeof v === 'number' ? (Number.isSafeInteger(v) ? BigInt(v) : v) : String(v)]));
}

/**
 * One HDF5 file for the whole session, one group per camera (`/cam_<id>/`): `image` (N×H×W uint8, gray),
 * `frame` (the camera's sequence number), `camera_time` (s, from the camera's ms clock), `host_time` (epoch s,
 * the shared host clock), and `missing`, the sequence numbers the ring overwrote before the host read them (and
 * those a camera that went away never sent). `/logs/omvd-capture` says when and why a camera went away.
 */
export async function hdf5CaptureSink(path: string, tags: Record<string, TagValue> = {}): Promise<CaptureSink> {
  let w: Hdf5Writer;
  try {
    w = await Hdf5Writer.open(path, { attrs: { 'experiment:sample': 'omvd capture', ...userAttrs(tags) } });
  } catch (err) {
    throw await diskError(err, dirname(path), `creating ${path}.part`, ELSEWHERE);
  }
  const groups = new Set<string>();
  const images = new Set<string>();
  const log: string[] = [];
  const ensureGroup = (g: string): void => {
    if (groups.has(g)) return;
    for (const name of ['frame', 'missing']) w.requireFeature(name, [], 'u8', g);
    for (const name of ['camera_time', 'host_time']) w.requireFeature(name, [], 'f8', g);
    groups.add(g);
  };
  const pipe = new OrderedPipeline<Item, Item>(
    PIPELINE_DEPTH,
    async (item) => ('frame' in item ? { ...item, gray: await toGray({ width: item.frame.width, height: item.frame.height, pixformat: item.frame.pixformat, data: item.frame.data }) } : item),
    async (item) => {
      const g = group(item.camera);
      ensureGroup(g);
      if ('loss' in item) {
        if (item.loss.missingAfter.length) w.storeFeatureChunk('missing', BigUint64Array.from(item.loss.missingAfter.map(BigInt)), g);
        log.push(describeLoss(item.camera, item.loss));
        return;
      }
      const { frame, gray } = item;
      if (!images.has(g)) {
        w.requireFeature('image', [frame.height, frame.width], 'u1', g);
        images.add(g);
      }
      w.storeFeatureChunk('image', gray!, g);
      w.storeFeatureChunk('frame', BigUint64Array.of(BigInt(frame.seq)), g);
      w.storeFeatureChunk('camera_time', Float64Array.of(frame.cameraMs / 1000), g);
      w.storeFeatureChunk('host_time', Float64Array.of(frame.hostTime), g);
      if (frame.missedBefore.length) w.storeFeatureChunk('missing', BigUint64Array.from(frame.missedBefore.map(BigInt)), g);
    },
  );
  return {
    add: (camera, frame) => onDisk(dirname(path), `writing ${path}`, () => pipe.add({ camera, frame })),
    lost: (camera, loss) => onDisk(dirname(path), `writing ${path}`, () => pipe.add({ camera, loss })),
    finish: () =>
      allSteps(dirname(path), `writing ${path}`, [
        () => pipe.drain(),
        () => log.length && w.storeLog('omvd-capture', log),
        () => w.close(),
      ]),
    async abort() {
      w.abort();
      await rm(w.partPath, { force: true });
    },
  };
}
