import type { V2Client } from '../v2/client.js';

/** The client's calls that talk to the camera; the others (camera, stats, channelId) answer from memory. */
const IO_METHODS = new Set(['call', 'readSome', 'read', 'write', 'ioctl', 'size', 'shape', 'poll', 'listChannels', 'lock', 'unlock', 'readStdout']);
/** How long the live session must have been idle (between its looks at the ring) before a sync request may go. */
const QUIET_MS = 1;

type Lane = 'live' | 'sync';

/**
 * One camera connection shared by its live session (a capture or the view) and its sync: live first. The V2 link
 * answers one request at a time, and a client's retries, fences and read sizes assume one caller, so every call
 * of either side runs alone. While a live session runs, a sync call starts only once the session has gone quiet
 * (it waits for the camera's next frame), so the sync uses the time the live ring leaves free and delays a live
 * request by one sync read at most.
 */
export class Lanes {
  private busy = false;
  private readonly waiting: Record<Lane, (() => void)[]> = { live: [], sync: [] };
  private lastLiveAt = 0;
  private timer: NodeJS.Timeout | null = null;
  /** A live session is running: sync calls wait for its quiet moments. */
  liveSession = false;
  readonly live: V2Client;
  readonly sync: V2Client;

  constructor(readonly client: V2Client) {
    this.live = this.lane('live');
    this.sync = this.lane('sync');
  }

  /**
   * The client as one side sees it. A Proxy rather than a wrapper class, so that the sync engine and capture
   * sessions take it as the V2Client they expect; only the calls that reach the camera go through the lane.
   */
  private lane(lane: Lane): V2Client {
    return new Proxy(this.client, {
      get: (target, prop, receiver) => {
        const value: unknown = Reflect.get(target, prop, receiver);
        if (typeof value !== 'function') return value;
        if (typeof prop !== 'string' || !IO_METHODS.has(prop)) return (value as (...a: unknown[]) => unknown).bind(target);
        return async (...args: unknown[]) => {
          await this.acquire(lane);
          try {
            return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          } finally {
            this.release(lane);
          }
        };
      },
    });
  }

  private syncMayGo(): boolean {
    return !this.liveSession || performance.now() - this.lastLiveAt >= QUIET_MS;
  }

  private acquire(lane: Lane): Promise<void> {
    if (!this.busy && (lane === 'live' || (this.waiting.live.length === 0 && this.syncMayGo()))) {
      this.busy = true;
      return Promise.resolve();
    }
    return new Promise((ok) => {
      this.waiting[lane].push(ok);
      if (lane === 'sync' && !this.busy) this.later();
    });
  }

  private release(lane: Lane): void {
    if (lane === 'live') this.lastLiveAt = performance.now();
    const live = this.waiting.live.shift();
    if (live) return live(); // handed over: still busy
    if (this.waiting.sync.length && this.syncMayGo()) return this.waiting.sync.shift()!();
    this.busy = false;
    if (this.waiting.sync.length) this.later();
  }

  /** Lets a waiting sync call go once the live session has been quiet long enough. */
  private later(): void {
    if (this.timer) return;
    const wait = Math.max(0, QUIET_MS - (performance.now() - this.lastLiveAt));
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.busy || this.waiting.sync.length === 0) return;
      if (!this.syncMayGo()) return this.later();
      this.busy = true;
      this.waiting.sync.shift()!();
    }, Math.ceil(wait));
  }
}
