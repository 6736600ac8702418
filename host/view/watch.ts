import { setTimeout as sleep } from 'node:timers/promises';
import { listPorts } from '../discovery/ports.js';
import { runSession, type CameraSetup } from '../capture/session.js';
import type { ClientOptions } from '../v2/client.js';
import type { LiveView } from './server.js';

/** Pause between attempts at a port whose camera is absent or went away. */
const RETRY_MS = 1000;
/** How often the attached cameras are listed again when no port was named. */
const LIST_MS = 2000;

const quietly = (ms: number, signal: AbortSignal): Promise<void> => sleep(ms, undefined, { signal }).catch(() => {});

/**
 * Keeps one camera port on the view until `signal`: opens it and follows its live ring while it answers; when it is
 * absent or goes away, shows it disconnected (with why) and tries again, as the daemon does, so a camera plugged
 * back in is live again by itself. Never throws for the camera's sake: an absent camera is a state, not an error.
 */
export async function watchCamera(view: LiveView, setup: CameraSetup & { port: string }, signal: AbortSignal, client: ClientOptions = {}): Promise<void> {
  const sink = view.track(setup);
  while (!signal.aborted) {
    view.set(setup.port, 'connecting');
    try {
      await runSession({ cameras: [setup], sinks: [sink], signal, client }); // a camera that goes away: the sink's `lost` shows it
    } catch (e) {
      view.set(setup.port, 'disconnected', (e as Error).message);
    }
    await quietly(RETRY_MS, signal);
  }
}

/** Every OpenMV camera attached, as it appears, each kept on the view by watchCamera, until `signal`. */
export async function watchAttached(view: LiveView, settings: Omit<CameraSetup, 'port' | 'link'>, signal: AbortSignal, client: ClientOptions = {}): Promise<void> {
  const watched = new Map<string, Promise<void>>();
  while (!signal.aborted) {
    const ports = await listPorts().catch(() => []);
    for (const p of ports) if (p.identity?.role === 'camera' && !watched.has(p.path)) watched.set(p.path, watchCamera(view, { ...settings, port: p.path }, signal, client));
    await quietly(LIST_MS, signal);
  }
  await Promise.all(watched.values());
}
