import { basename } from 'node:path';
import { packageInfo } from '../package-info.js';
import type { Attrs } from '../writers/hdf5/hdf5-writer.js';
import type { CameraClock } from './camera-clock.js';
import type { DatasetInfo } from './frame.js';
import { relativeSource, SOURCE_HASH } from './provenance.js';

/**
 * The dclab metadata of one camera's frames, as omvd knows it: when (date, time, timestamp: the first frame's, UTC),
 * how many (event count), the frame size and rate, the software, the camera (setup identifier, when known) and a
 * run identifier, then the user's `meta` over it. `file` is where the attributes are stored (for the source path,
 * relative to its folder).
 */
export function cameraAttrs(info: DatasetInfo, camera: string, clock: CameraClock, file: string): Attrs {
  const first = clock.first;
  const start = new Date((first?.hostTime ?? info.source?.startTime ?? Date.now() / 1000) * 1000);
  const fps = clock.cameraFps;
  const known = info.cameras === 'many' ? (info.known?.[camera] ?? {}) : info.known?.[camera];
  const source = info.source;
  return {
    'experiment:date': start.toISOString().slice(0, 10),
    'experiment:time': start.toISOString().slice(11, 23),
    'experiment:timestamp': start.getTime() / 1000,
    'experiment:event count': BigInt(clock.frames),
    'experiment:run index': 1n,
    'experiment:run identifier': source ? `omvd-${source.sha256.slice(0, 16)}` : `omvd-${camera}-${start.getTime()}`,
    'experiment:sample': source ? basename(source.path) : info.writer,
    ...(fps === undefined ? {} : { 'imaging:frame rate': fps }),
    ...(first ? { 'imaging:roi size x': BigInt(first.width), 'imaging:roi size y': BigInt(first.height) } : {}),
    'imaging:roi position x': 0n,
    'imaging:roi position y': 0n,
    'setup:software version': `omvd ${packageInfo().version}`,
    ...(known ? { 'setup:identifier': `${known.board ?? 'OpenMV'} ${camera}` } : {}),
    ...(source ? { 'user:source': relativeSource(source.path, file), [SOURCE_HASH.hdf5]: source.sha256 } : {}),
    ...info.meta,
  };
}
