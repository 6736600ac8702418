import { loadMicroPython, type MicroPython } from '@micropython/micropython-webassembly-pyscript/micropython.mjs';
import { OmvError } from '../../protocol/errors.js';

/** A Python exception that escaped a device script, with the traceback but not the interpreter's minified source. */
export class DeviceScriptError extends OmvError {
  readonly pythonType: string;

  constructor(pythonType: string, traceback: string) {
    super('EDEVICESCRIPT', `device script raised ${pythonType}:\n${traceback.trim()}`);
    this.pythonType = pythonType;
  }
}

export interface Interpreter {
  readonly mp: MicroPython;
  /** Runs Python source; a Python exception becomes a `DeviceScriptError`. */
  run(code: string): unknown;
  /** Puts a file into the interpreter's filesystem (creating its folder). */
  writeFile(path: string, content: string | Uint8Array): void;
}

export interface InterpreterOptions {
  heapBytes?: number;
  /** Receives the script's printed output, line by line. */
  stdout?: (line: string) => void;
}

function asDeviceScriptError(e: unknown): unknown {
  const err = e as { type?: unknown; message?: unknown };
  if (typeof err?.type === 'string' && typeof err.message === 'string') return new DeviceScriptError(err.type, err.message);
  return e;
}

/**
 * Loads MicroPython (WebAssembly). One interpreter per JavaScript realm: the package keeps its state on
 * `globalThis`, so a second load in the same thread breaks the first; run each in its own worker.
 */
export async function loadInterpreter(options: InterpreterOptions = {}): Promise<Interpreter> {
  const print = options.stdout ?? (() => {});
  const mp = await loadMicroPython({
    heapsize: options.heapBytes ?? 2 * 1024 * 1024,
    linebuffer: true,
    stdout: (line) => print(typeof line === 'string' ? line : new TextDecoder().decode(line)),
    stderr: (line) => print(typeof line === 'string' ? line : new TextDecoder().decode(line)),
  });
  return {
    mp,
    run(code) {
      try {
        return mp.runPython(code);
      } catch (e) {
        throw asDeviceScriptError(e);
      }
    },
    writeFile(path, content) {
      const dir = path.slice(0, path.lastIndexOf('/'));
      if (dir) mp.FS.mkdirTree(dir);
      mp.FS.writeFile(path, content);
    },
  };
}
