import { OmvError } from '../../protocol/errors.js';
import type { DatasetFrame } from '../datasets/frame.js';
import type { V2Client } from '../v2/client.js';
import { V2StatusError } from '../v2/errors.js';
import { OMVD_CHANNELS, requireChannel } from '../sync/catalog.js';

export const LiveIoctl = { SELECT: 1 } as const;
const RECORD_HEADER = 32;
const MAX_RECORD = 16 * 1024 * 1024;

/**
 * One frame taken from a camera's live ring: a dataset frame (host/datasets) whose host time is its arrival, and
 * whose missedBefore are the frames the ring overwrote before the host could read them.
 */
export type LiveFrame = DatasetFrame;

export class LiveFrameError extends OmvError {
  constructor(message: string) {
    super('ELIVE', message);
  }
}

/**
 * The camera stopped answering while its ring was followed (closed port, silence, a reply that breaks the rules).
 * `code` and the message are the cause's; `missing` are the frames the camera had taken (or its ring overwrote) that
 * never reached the host.
 */
export class CameraLostError extends OmvError {
  constructor(
    cause: OmvError,
    readonly missing: number[],
  ) {
    super(cause.code, cause.message, { cause });
  }
}

/** Garbled reads of one frame in a row that are read again before the camera counts as lost. */
const MAX_MISREADS = 3;
/** Frames the camera took that one lost camera can report as missing at most; past this, only the count is certain. */
const MAX_REPORTED_MISSING = 1 << 16;

/**
 * Follows a camera's live ring (the omvd.live channel: an ImageIO MEMORY stream the script overwrites in a circle)
 * and yields every frame in order. A frame the ring overwrote before it could be read is never silently missing:
 * its sequence number is reported in `missedBefore` of the next frame that arrives.
 */
export async function* followLive(client: V2Client, options: { signal?: AbortSignal; pollMs?: number; stopAfter?: () => boolean } = {}): AsyncGenerator<LiveFrame> {
  const chan = requireChannel(client, OMVD_CHANNELS.live);
  const pollMs = options.pollMs ?? 3;
  const seqArg = new Uint8Array(4);
  const seqView = new DataView(seqArg.buffer);
  let want = 0;
  let taken = 0;
  let misreads = 0;
  let missed: number[] = [];
  const lost = (e: unknown): unknown => {
    if (!(e instanceof OmvError)) return e;
    const after = Array.from({ length: Math.max(0, Math.min(taken - want, MAX_REPORTED_MISSING)) }, (_, i) => want + i);
    return new CameraLostError(e, [...missed, ...after]);
  };
  while (!options.signal?.aborted && !options.stopAfter?.()) {
    let record: Uint8Array;
    try {
      const [oldest = 0, next = 0] = await client.shape(chan);
      taken = Math.max(taken, next);
      if (want < oldest) {
        for (let s = want; s < oldest; s++) missed.push(s);
        want = oldest;
      }
      if (want >= next) {
        await new Promise((r) => setTimeout(r, pollMs));
        continue;
      }
      seqView.setUint32(0, want, true);
      try {
        await client.ioctl(chan, LiveIoctl.SELECT, seqArg);
      } catch (e) {
        if (e instanceof V2StatusError) continue; // overwritten between shape and select: the next shape tells
        throw e;
      }
      record = await readRecord(client, chan, want);
    } catch (e) {
      // A garbled read (a reply that breaks the rules, a record that does not add up) is read again, from the ring's
      // shape; only several in a row, or a closed or silent link, mean the camera is gone.
      if (e instanceof OmvError && (e.code === 'EPROTO' || e.code === 'ELIVE') && ++misreads <= MAX_MISREADS) continue;
      throw lost(e);
    }
    misreads = 0;
    const h = new DataView(record.buffer);
    const [seq, cameraMs, width, height, pixformat] = [0, 4, 8, 12, 16].map((o) => h.getUint32(o, true)) as [number, number, number, number, number];
    yield { seq, cameraMs, hostTime: Date.now() / 1000, width, height, pixformat, data: record.subarray(RECORD_HEADER), missedBefore: missed };
    missed = [];
    want++;
  }
}

/** The selected live record, checked: its header names frame `want` and the bytes that follow. */
async function readRecord(client: V2Client, chan: number, want: number): Promise<Uint8Array> {
  const size = await client.size(chan);
  if (size < RECORD_HEADER || size > MAX_RECORD) throw new LiveFrameError(`the camera's live frame ${want} claims ${size} bytes; its scripts misbehave`);
  const record = new Uint8Array(size);
  for (let at = 0; at < size; ) {
    const piece = await client.readSome(chan, at, size - at);
    if (piece.length === 0) throw new LiveFrameError(`the camera's live frame ${want} ended at byte ${at} of ${size}; its scripts misbehave`);
    record.set(piece.subarray(0, size - at), at);
    at += piece.length;
  }
  const h = new DataView(record.buffer);
  const seq = h.getUint32(0, true);
  const length = h.getUint32(20, true);
  if (seq !== want || RECORD_HEADER + length !== size) throw new LiveFrameError(`the camera answered live frame ${want} with frame ${seq} of ${length} bytes in a ${size}-byte record`);
  return record;
}
