// The MicroPython WebAssembly package ships no types; this covers what omvd uses of it.
declare module '@micropython/micropython-webassembly-pyscript/micropython.mjs' {
  export interface EmscriptenFS {
    mkdirTree(path: string): void;
    writeFile(path: string, data: string | Uint8Array): void;
    readFile(path: string, opts?: { encoding?: 'binary' | 'utf8' }): Uint8Array;
    makedev(major: number, minor: number): number;
    registerDevice(dev: number, ops: CharDeviceOps): void;
    mkdev(path: string, mode: number, dev: number): void;
    mkdir(path: string, mode?: number): void;
    mount(type: unknown, opts: Record<string, unknown>, mountpoint: string): unknown;
    createNode(parent: unknown, name: string, mode: number, dev?: number): any;
    isDir(mode: number): boolean;
    isFile(mode: number): boolean;
    ErrnoError: new (errno: number) => Error;
    [key: string]: any;
  }
  export interface CharDeviceOps {
    open(stream: unknown): void;
    close(stream: unknown): void;
    read(stream: unknown, heap: Int8Array, offset: number, length: number, position?: number): number;
    write(stream: unknown, heap: Int8Array, offset: number, length: number, position?: number): number;
  }
  export interface MicroPython {
    runPython(code: string): unknown;
    runPythonAsync(code: string): Promise<unknown>;
    registerJsModule(name: string, module: object): void;
    pyimport(name: string): any;
    globals: { get(name: string): any; set(name: string, value: unknown): void; delete(name: string): void };
    FS: EmscriptenFS;
  }
  export interface LoadOptions {
    heapsize?: number;
    pystack?: number;
    linebuffer?: boolean;
    stdin?: () => number | null | undefined;
    stdout?: (line: string | Uint8Array) => void;
    stderr?: (line: string | Uint8Array) => void;
  }
  export function loadMicroPython(options?: LoadOptions): Promise<MicroPython>;
}
