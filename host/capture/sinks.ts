export type { CaptureSink } from './sink.js';
export { hdf5CaptureSink } from './sink-hdf5.js';
export { traceCaptureSink } from './sink-trace.js';
export { videoCaptureSink } from './sink-video.js';
export { recordsCaptureSink } from './sink-records.js';
