import type { IncomingMessage, ServerResponse } from 'node:http';
import { OmvError } from '../../protocol/errors.js';
import type { LiveFrame } from '../capture/live.js';
import type { CameraLoss } from '../capture/session.js';
import type { CaptureSink } from '../capture/sinks.js';
import type { CaptureEnd, CaptureJson } from '../daemon/captures.js';

/** The media type of a capture's frames streamed to the client that started it. */
export const FRAMES_TYPE = 'application/x-omvd-frames';
const MAX_HEAD = 1 << 20;
const MAX_DATA = 16 * 1024 * 1024;

export type FrameRecord =
  | { type: 'started'; capture: CaptureJson }
  | { type: 'frame'; camera: string; frame: LiveFrame }
  | { type: 'lost'; camera: string; loss: CameraLoss }
  | { type: 'end'; end: CaptureEnd };

/** One record: u32 LE length of its JSON head, the head, u32 LE length of its data, the data (a frame's pixels). */
function encode(head: unknown, data: Uint8Array = new Uint8Array(0)): Buffer {
  const json = Buffer.from(JSON.stringify(head));
  const out = Buffer.allocUnsafe(8 + json.length + data.length);
  out.writeUInt32LE(json.length, 0);
  json.copy(out, 4);
  out.writeUInt32LE(data.length, 4 + json.length);
  out.set(data, 8 + json.length);
  return out;
}

/**
 * A capture sink that streams the frames to the client that started the capture. Frames wait until `begin` has
 * sent the capture's id; a client that reads slowly slows the capture as a slow sink does (the ring's overwritten
 * frames are then counted as missing, never lost silently). A client that goes away stops the capture.
 */
export class FrameStream implements CaptureSink {
  private started!: () => void;
  private readonly ready = new Promise<void>((ok) => (this.started = ok));
  private closed = false;

  constructor(
    private readonly res: ServerResponse,
    onGone: () => void,
  ) {
    res.once('close', () => {
      if (!res.writableFinished) onGone();
      this.closed = true;
    });
  }

  begin(capture: CaptureJson): void {
    this.res.writeHead(201, { 'content-type': FRAMES_TYPE, 'cache-control': 'no-store' });
    this.write({ type: 'started', capture });
    this.started();
  }

  private async write(head: Record<string, unknown>, data?: Uint8Array): Promise<void> {
    if (this.closed) return;
    if (!this.res.write(encode(head, data))) await new Promise<void>((ok) => (this.res.once('drain', ok), this.res.once('close', ok)));
  }

  async add(camera: string, frame: LiveFrame): Promise<void> {
    await this.ready;
    const { data, ...meta } = frame;
    await this.write({ type: 'frame', camera, frame: meta }, data);
  }

  async lost(camera: string, loss: CameraLoss): Promise<void> {
    await this.ready;
    await this.write({ type: 'lost', camera, loss });
  }

  async finish(): Promise<void> {}

  async abort(): Promise<void> {}

  async end(end: CaptureEnd): Promise<void> {
    await this.write({ type: 'end', end });
    this.res.end();
  }
}

/** Reads the records of a frame stream, every length bounded before it is trusted. */
export async function* readFrames(res: IncomingMessage): AsyncGenerator<FrameRecord> {
  let buf: Buffer = Buffer.alloc(0);
  const take = (n: number): Buffer => {
    const out = buf.subarray(0, n);
    buf = buf.subarray(n);
    return out;
  };
  for await (const chunk of res as AsyncIterable<Buffer>) {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    for (;;) {
      if (buf.length < 4) break;
      const headLen = buf.readUInt32LE(0);
      if (headLen > MAX_HEAD) throw new OmvError('EPROTO', `the daemon sent a ${headLen}-byte record head; at most ${MAX_HEAD}`);
      if (buf.length < 8 + headLen) break;
      const dataLen = buf.readUInt32LE(4 + headLen);
      if (dataLen > MAX_DATA) throw new OmvError('EPROTO', `the daemon sent a ${dataLen}-byte frame; at most ${MAX_DATA}`);
      if (buf.length < 8 + headLen + dataLen) break;
      take(4);
      const head = JSON.parse(take(headLen).toString('utf8')) as Record<string, unknown>;
      take(4);
      const data = new Uint8Array(take(dataLen));
      if (head.type === 'frame') yield { type: 'frame', camera: head.camera as string, frame: { ...(head.frame as Omit<LiveFrame, 'data'>), data } };
      else yield head as FrameRecord;
    }
  }
}
