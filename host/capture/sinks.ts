import { hdf5Sink } from '../datasets/sink-hdf5.js';
import { recordsSink } from '../datasets/sink-records.js';
import { traceSink } from '../datasets/sink-trace.js';
import type { TagValue } from './session-file.js';
import { captureInfo, type CaptureDatasetOptions, type CaptureSink } from './sink.js';

export type { CaptureSink, CaptureDatasetOptions } from './sink.js';

/** A capture's outputs for library users (host/datasets has each layout; outputs.ts every kind): `tags` also become `user:` metadata. */
export const hdf5CaptureSink = (path: string, tags?: Record<string, TagValue>, options: CaptureDatasetOptions = {}): Promise<CaptureSink> => hdf5Sink(path, captureInfo({ ...options, ...(tags ? { tags } : {}) }));
export const traceCaptureSink = (dir: string, tags?: Record<string, TagValue>, options: CaptureDatasetOptions = {}): Promise<CaptureSink> => traceSink(dir, captureInfo({ ...options, ...(tags ? { tags } : {}) }));
export const recordsCaptureSink = (path: string, tags?: Record<string, TagValue>, options: CaptureDatasetOptions = {}): Promise<CaptureSink> => recordsSink(path, captureInfo({ ...options, ...(tags ? { tags } : {}) }));
