import type { CaptureDoc } from './capture-doc.js';

/** What the daemon tells its API's event stream (and its log): cameras coming and going, syncs, captures, errors. */
export type DaemonEventBody =
  | { type: 'camera.connected'; camera: string; port: string; board: string | null; firmware: string }
  | { type: 'camera.disconnected'; camera: string | null; port: string; reason: { code: string; error: string } }
  | { type: 'recording.synced'; camera: string; name: string; size: number; sha256: string; path: string }
  | { type: 'sync.failed'; camera: string; name: string; code: string; error: string }
  | { type: 'sync.paused' | 'sync.resumed'; camera: string; capture?: string }
  | { type: 'capture.started'; capture: string; cameras: string[] }
  | { type: 'capture.finished'; capture: string; summary: CaptureDoc }
  | { type: 'error'; camera: string | null; port: string; code: string; error: string };

export type DaemonEvent = DaemonEventBody & { id: number; at: string };

/**
 * The daemon's event bus. Each event gets a sequence number and a time; a listener that throws is dropped from that
 * event, never the daemon (zigbee2mqtt's eventBus does the same for its extensions).
 */
export class EventBus {
  private seq = 0;
  private readonly listeners = new Set<(e: DaemonEvent) => void>();

  emit(body: DaemonEventBody): void {
    const event = { ...body, id: ++this.seq, at: new Date().toISOString() } as DaemonEvent;
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // a listener's failure (a closed stream) is its own
      }
    }
  }

  subscribe(listener: (e: DaemonEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
