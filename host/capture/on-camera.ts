import { connectCamera } from '../discovery/connect.js';
import type { ClientOptions, V2Client } from '../v2/client.js';
import { cameraCommand } from '../sync/ctl.js';
import { sensorReport, sensorSettings, type CameraSetup, type CameraSummary } from './session.js';

export interface OnCameraRecording extends Pick<CameraSummary, 'controls' | 'warnings'> {
  camera: string;
  port: string;
  /** The recording's name on the camera's storage (null if the camera did not say). */
  recording: string | null;
}

/** Starts a timed recording on the storage of the camera `client` is connected to (on `port`), at `cam`'s settings. */
export async function startRecording(client: V2Client, port: string, cam: CameraSetup, seconds: number): Promise<OnCameraRecording> {
  await cameraCommand(client, { cmd: 'clock', epoch_ms: Date.now() });
  const reply = await cameraCommand(client, { cmd: 'record', to: 'file', ...sensorSettings(cam), duration_s: seconds });
  const file = (reply.recording as { file?: unknown } | null)?.file;
  return { camera: client.camera.sysInfo.uniqueId, port, recording: typeof file === 'string' ? file : null, ...sensorReport(reply) };
}

/** Starts a timed recording on each camera's own storage (not the host); `omvd sync` or the daemon copies it later. */
export async function recordOnCameras(cameras: readonly CameraSetup[], seconds: number, options: ClientOptions = {}): Promise<OnCameraRecording[]> {
  const started: OnCameraRecording[] = [];
  for (const cam of cameras) {
    const conn = await connectCamera(cam.port!, options);
    try {
      started.push(await startRecording(conn.client, cam.port!, cam, seconds));
    } finally {
      await conn.close();
    }
  }
  return started;
}
