import type { EmscriptenFS } from '@micropython/micropython-webassembly-pyscript/micropython.mjs';

const EAGAIN = 6;
let nextMinor = 0;

/**
 * A character device in the interpreter's filesystem: the fast path for bytes between a script and the emulated
 * firmware (hundreds of MB/s, where the JavaScript proxy copies a byte at a time). `read` returns how many bytes it
 * put into `into` (0 = nothing now); `write` gets a view that is only valid during the call.
 */
export function charDevice(FS: EmscriptenFS, path: string, ops: { read?: (into: Uint8Array) => number; write?: (bytes: Uint8Array) => void }): void {
  const dev = FS.makedev(65, nextMinor++);
  FS.registerDevice(dev, {
    open() {},
    close() {},
    read(_stream, heap, offset, length) {
      if (!ops.read) throw new FS.ErrnoError(EAGAIN);
      return ops.read(new Uint8Array(heap.buffer, heap.byteOffset + offset, length));
    },
    write(_stream, heap, offset, length) {
      ops.write?.(new Uint8Array(heap.buffer, heap.byteOffset + offset, length));
      return length;
    },
  });
  FS.mkdev(path, 0o666, dev);
}
