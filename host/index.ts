/** omvd as a library: capture sessions, the V2 client, sync, dataset writers and the virtual camera. */
export { CaptureFailedError, captureFrames, runSession, type CameraLoss, type CameraSetup, type CameraSummary, type SessionOptions } from './capture/session.js';
export { followLive, type LiveFrame } from './capture/live.js';
export { hdf5CaptureSink, recordsCaptureSink, traceCaptureSink, type CaptureDatasetOptions, type CaptureSink } from './capture/sinks.js';
export { ThreadedHdf5Writer } from './writers/hdf5/threaded-writer.js';
export type { Hdf5Compression } from './writers/hdf5/compression.js';
export { loadSessionFile, parseSessionSpec, type SessionSpec } from './capture/session-file.js';
export { connectCamera, type Connection } from './discovery/connect.js';
export { listPorts } from './discovery/ports.js';
export { V2Client } from './v2/client.js';
export { syncCamera, type SyncSummary } from './sync/engine.js';
export { exportRecording, EXPORT_FORMATS } from './export/export.js';
export { VirtualCamera, type VirtualCameraOptions } from './sim/virtual-camera.js';
export { OmvError } from '../protocol/errors.js';
