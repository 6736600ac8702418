import { concatBytes } from '../../bytes.js';

/**
 * A channel whose backend is a Python object registered by a script (modules/py_protocol.c's delegates). Calls go
 * through the Python function protocol.py hands over (`dispatch(cid, method, a, b)`); bulk bytes cross through the
 * /dev/fwbus character device: a read's result is written by Python into it, a write's or ioctl's argument is
 * read by Python from it. `undefined`/`null` from dispatch means the method raised, which the firmware treats as the
 * delegate failing (with the delegate's own failure value: read → none, write → -1, size → 0, ioctl → -1).
 */
export type Dispatch = (cid: number, method: number, a: number, b: number) => unknown;

/** protocol.py's _METHODS, in order: calls pass the index, not the name. */
const METHODS = ['init', 'poll', 'lock', 'unlock', 'size', 'shape', 'read', 'write', 'readp', 'ioctl', 'flush'];

export class FirmwareBus {
  private collected: Uint8Array[] = [];
  private pending: Uint8Array | null = null;
  private pendingAt = 0;

  /** The write op of /dev/fwbus: Python handing bytes to the firmware. */
  fromPython(bytes: Uint8Array): void {
    this.collected.push(bytes.slice());
  }

  /** The read op of /dev/fwbus: Python taking the bytes the firmware staged. */
  toPython(into: Uint8Array): number {
    if (!this.pending) return 0;
    const n = Math.min(into.length, this.pending.length - this.pendingAt);
    into.set(this.pending.subarray(this.pendingAt, this.pendingAt + n));
    this.pendingAt += n;
    return n;
  }

  stage(bytes: Uint8Array | null): void {
    this.pending = bytes;
    this.pendingAt = 0;
  }

  take(): Uint8Array {
    const parts = this.collected;
    this.collected = [];
    return parts.length === 1 ? parts[0]! : concatBytes(parts);
  }
}

const failed = (r: unknown): boolean => r === undefined || r === null;

/** `id` is set once the device has assigned one (the firmware may call init() before that: protocol.py copes). */
export function pythonChannel(name: string, flags: number, methods: Set<string>, dispatch: () => Dispatch, bus: FirmwareBus) {
  let cid = -1;
  const call = (method: string, a = 0, b = 0): unknown => dispatch()(cid, METHODS.indexOf(method), a, b);
  const bytesOf = (method: string, offset: number, size: number): Uint8Array | null => {
    bus.take();
    const r = call(method, offset, size);
    const data = bus.take();
    return failed(r) || (r as number) < 0 ? null : data;
  };
  const withArg = (method: string, a: number, arg: Uint8Array | null): number => {
    bus.stage(arg);
    const r = call(method, a, arg?.length ?? 0);
    bus.stage(null);
    return failed(r) ? -1 : Number(r);
  };
  const has = (m: string): boolean => methods.has(m);
  const bind = (id: number): void => {
    cid = id;
  };
  return {
    bind,
    name,
    flags,
    ...(has('init') && { init: () => !failed(call('init')) }),
    ...(has('poll') && { poll: () => call('poll') === 1 }),
    ...(has('lock') && { lock: () => call('lock') === 1 }),
    ...(has('unlock') && { unlock: () => call('unlock') === 1 }),
    ...(has('size') && {
      size: (): number => {
        const r = call('size');
        return failed(r) ? 0 : Number(r);
      },
    }),
    ...(has('shape') && {
      shape: (): number[] => {
        const r = call('shape');
        return typeof r === 'string' && r ? r.split(',').map(Number) : [];
      },
    }),
    ...(has('read') && { read: (offset: number, size: number) => bytesOf('read', offset, size) }),
    ...(has('readp') && { readp: (offset: number, size: number) => bytesOf('readp', offset, size) }),
    ...(has('write') && { write: (offset: number, data: Uint8Array) => withArg('write', offset, data) }),
    ...(has('ioctl') && { ioctl: (request: number, arg: Uint8Array | null) => withArg('ioctl', request, arg) }),
  };
}
