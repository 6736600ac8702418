import type { DatasetInfo, DatasetSink } from '../datasets/frame.js';
import { tagMeta, type Meta } from '../datasets/meta.js';
import type { Hdf5Compression } from '../writers/hdf5/compression.js';
import type { TagValue } from './session-file.js';

export { describeLoss } from '../datasets/sink.js';

/** Where a capture's frames go: a dataset sink (host/datasets), or any other consumer of live frames (the view). */
export type CaptureSink = DatasetSink;

/** What a user does when a capture's folder is full or read-only. */
export const ELSEWHERE = 'capture to another folder (--to)';

export interface CaptureDatasetOptions {
  tags?: Record<string, TagValue>;
  /** dclab metadata (`setup:medium`, …); the tags are added as `user:` keys. */
  meta?: Meta;
  compression?: Hdf5Compression;
  /** The rate the cameras were asked for, stated by an AVI until a camera's second frame. */
  fps?: number;
}

/** What a capture tells its dataset sinks: several cameras, the session's tags and metadata. */
export function captureInfo(options: CaptureDatasetOptions = {}): DatasetInfo {
  const tags = options.tags ?? {};
  return {
    writer: 'omvd capture',
    cameras: 'many',
    meta: { ...tagMeta(tags), ...options.meta },
    tags,
    ...(options.compression ? { compression: options.compression } : {}),
    elsewhere: ELSEWHERE,
    ...(options.fps === undefined ? {} : { nominalFps: options.fps }),
  };
}
