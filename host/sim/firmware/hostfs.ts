import * as fs from 'node:fs';
import { join } from 'node:path';
import type { EmscriptenFS } from '@micropython/micropython-webassembly-pyscript/micropython.mjs';

/**
 * An emscripten filesystem that maps a folder of the host into the interpreter: the virtual camera's SD card.
 * The MicroPython build has only MEMFS, so this plays NODEFS's part: `open`, `os.listdir`, `os.stat`, `os.remove`
 * and `os.rename` in a device script act on real host files, which grow on disk as the script writes them.
 */
const ERRNO: Record<string, number> = {
  EACCES: 2, EBADF: 8, EEXIST: 20, EINVAL: 28, EIO: 29, EISDIR: 31, ENOENT: 44, ENOSPC: 51, ENOTDIR: 54,
  ENOTEMPTY: 55, EPERM: 63, EROFS: 69, EXDEV: 75, ENAMETOOLONG: 37,
};

interface Node {
  name: string;
  parent: Node;
  mode: number;
  mount: { opts: { root: string } };
  node_ops: object;
  stream_ops: object;
}
interface Stream {
  node: Node;
  flags: number;
  position: number;
  nfd?: number;
}

/** A FAT cluster: the unit a card's space is handed out in. */
const CLUSTER = 4096;

export interface HostFolderOptions {
  /** The card's size in bytes. Without it the card is as big as the host disk's free space. */
  capacityBytes?: number;
}

/**
 * With a capacity, the card fills up as FatFS's does: a write that needs more clusters than are free writes what
 * fits and returns the shorter count (f_write stops when no cluster can be allocated, FR_OK with bw < btw; MicroPython's
 * file write returns bw), and statvfs counts what is left.
 */
export function mountHostFolder(FS: EmscriptenFS, hostDir: string, mountpoint: string, options: HostFolderOptions = {}): void {
  const capacity = options.capacityBytes;
  const clusters = (bytes: number): number => Math.ceil(bytes / CLUSTER);
  const usedClusters = (dir: string): number => {
    let n = 0;
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, e.name);
      n += e.isDirectory() ? 1 + usedClusters(path) : clusters(fs.statSync(path).size);
    }
    return n;
  };
  /** How many of `length` bytes written at `position` fit on the card. */
  const fits = (nfd: number, root: string, length: number, position: number): number => {
    if (capacity === undefined) return length;
    const size = fs.fstatSync(nfd).size;
    const free = Math.floor(capacity / CLUSTER) - usedClusters(root);
    const limit = (clusters(size) + Math.max(0, free)) * CLUSTER;
    return Math.max(0, Math.min(length, limit - position));
  };
  const fail = (e: unknown): never => {
    const code = (e as NodeJS.ErrnoException)?.code;
    throw new FS.ErrnoError(code && code in ERRNO ? ERRNO[code]! : ERRNO.EIO!);
  };
  const guard = <T>(f: () => T): T => {
    try {
      return f();
    } catch (e) {
      if (e instanceof FS.ErrnoError) throw e;
      return fail(e);
    }
  };
  const realPath = (node: Node): string => {
    const parts: string[] = [];
    let n = node;
    while (n.parent !== n) {
      parts.push(n.name);
      n = n.parent;
    }
    return join(n.mount.opts.root, ...parts.reverse());
  };
  const statMode = (path: string): number => fs.lstatSync(path).mode;

  const node_ops = {
    getattr(node: Node) {
      return guard(() => {
        const st = fs.lstatSync(realPath(node));
        return {
          dev: 1, ino: st.ino, mode: st.mode, nlink: st.nlink, uid: 0, gid: 0, rdev: 0, size: st.size,
          atime: st.atime, mtime: st.mtime, ctime: st.ctime, blksize: 4096, blocks: Math.ceil(st.size / 4096),
        };
      });
    },
    setattr(node: Node, attr: { mode?: number; size?: number; mtime?: number; atime?: number }) {
      guard(() => {
        const path = realPath(node);
        if (attr.mode !== undefined) fs.chmodSync(path, attr.mode);
        if (attr.size !== undefined) fs.truncateSync(path, attr.size);
        if (attr.mtime !== undefined) fs.utimesSync(path, new Date(attr.atime ?? attr.mtime), new Date(attr.mtime));
      });
    },
    lookup(parent: Node, name: string) {
      const path = join(realPath(parent), name);
      return guard(() => createNode(parent, name, statMode(path)));
    },
    mknod(parent: Node, name: string, mode: number) {
      const path = join(realPath(parent), name);
      return guard(() => {
        if (FS.isDir(mode)) fs.mkdirSync(path, mode & 0o777);
        else fs.writeFileSync(path, '', { mode: mode & 0o777, flag: 'wx' });
        return createNode(parent, name, mode);
      });
    },
    rename(oldNode: Node, newDir: Node, newName: string) {
      guard(() => fs.renameSync(realPath(oldNode), join(realPath(newDir), newName)));
      oldNode.name = newName;
    },
    unlink(parent: Node, name: string) {
      guard(() => fs.unlinkSync(join(realPath(parent), name)));
    },
    rmdir(parent: Node, name: string) {
      guard(() => fs.rmdirSync(join(realPath(parent), name)));
    },
    readdir(node: Node) {
      return guard(() => ['.', '..', ...fs.readdirSync(realPath(node))]);
    },
    symlink() {
      throw new FS.ErrnoError(ERRNO.EPERM!);
    },
    readlink() {
      throw new FS.ErrnoError(ERRNO.EINVAL!);
    },
    statfs(root: string) {
      return guard(() => {
        if (capacity === undefined) {
          const st = fs.statfsSync(root);
          return { bsize: st.bsize, frsize: st.bsize, blocks: st.blocks, bfree: st.bfree, bavail: st.bavail, namelen: 255 };
        }
        const total = Math.floor(capacity / CLUSTER);
        const free = Math.max(0, total - usedClusters(root));
        return { bsize: CLUSTER, frsize: CLUSTER, blocks: total, bfree: free, bavail: free, namelen: 255 };
      });
    },
  };

  const stream_ops = {
    open(stream: Stream) {
      guard(() => {
        if (FS.isFile(stream.node.mode)) stream.nfd = fs.openSync(realPath(stream.node), stream.flags & ~0o100000);
      });
    },
    close(stream: Stream) {
      guard(() => {
        if (stream.nfd !== undefined) fs.closeSync(stream.nfd);
      });
    },
    read(stream: Stream, heap: Int8Array, offset: number, length: number, position: number) {
      if (length === 0) return 0;
      return guard(() => fs.readSync(stream.nfd!, new Uint8Array(heap.buffer, heap.byteOffset + offset, length), 0, length, position));
    },
    write(stream: Stream, heap: Int8Array, offset: number, length: number, position: number) {
      return guard(() => {
        const n = fits(stream.nfd!, stream.node.mount.opts.root, length, position);
        return n === 0 ? 0 : fs.writeSync(stream.nfd!, new Uint8Array(heap.buffer, heap.byteOffset + offset, n), 0, n, position);
      });
    },
    llseek(stream: Stream, offset: number, whence: number) {
      let position = offset;
      if (whence === 1) position += stream.position;
      else if (whence === 2 && FS.isFile(stream.node.mode)) position += guard(() => fs.fstatSync(stream.nfd!).size);
      if (position < 0) throw new FS.ErrnoError(ERRNO.EINVAL!);
      return position;
    },
  };

  function createNode(parent: Node | null, name: string, mode: number): Node {
    const node = FS.createNode(parent, name, mode) as Node;
    node.node_ops = node_ops;
    node.stream_ops = stream_ops;
    return node;
  }

  fs.mkdirSync(hostDir, { recursive: true });
  FS.mkdirTree(mountpoint);
  FS.mount({ mount: (m: { opts: { root: string } }) => createNode(null, '/', statMode(m.opts.root)) }, { root: hostDir }, mountpoint);
}
