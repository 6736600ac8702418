import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import type { EmscriptenFS } from '@micropython/micropython-webassembly-pyscript/micropython.mjs';
import { mountHostFolder } from './firmware/hostfs.js';
import { FirmwareRuntime, type FromFirmware } from './firmware/runtime.js';
import { bootFirmware } from './firmware/boot.js';
import type { BoardProfile } from './boards.js';
import { DeviceScriptError, loadInterpreter } from './micropython.js';

export interface WorkerSetup {
  port: MessagePort;
  signal: SharedArrayBuffer;
  sdDir: string;
  uid: string;
  fps: number;
  link: 'native' | 'python';
  board: BoardProfile;
  /** The SD card's capacity; absent: the host disk's free space. */
  sdBytes?: number;
  /** Folder of the device scripts (copied to the camera's /flash) and of the emulated firmware's Python modules. */
  scriptsDir: string;
  firmwareDir: string;
  /** Written to /flash/omvd_config.json for the device scripts. */
  config: Record<string, unknown>;
}

const setup = workerData as WorkerSetup;
const post = (m: FromFirmware): void => parentPort!.postMessage(m, m.t === 'tx' ? [m.data.buffer as ArrayBuffer] : []);

function copyTree(FS: EmscriptenFS, from: string, to: string, skip: (name: string) => boolean = () => false): void {
  FS.mkdirTree(to);
  for (const name of readdirSync(from)) {
    if (skip(name) || name.startsWith('.') || name === '__pycache__') continue;
    const src = join(from, name);
    if (statSync(src).isDirectory()) copyTree(FS, src, `${to}/${name}`);
    else if (name.endsWith('.py') || name.endsWith('.json')) FS.writeFile(`${to}/${name}`, readFileSync(src));
  }
}

async function main(): Promise<void> {
  const runtime = new FirmwareRuntime(setup.port, setup.signal, post, setup.fps, setup.board.linkBytesPerS);
  let onPrint: (line: string) => void = (line) => runtime.log(line);
  const py = await loadInterpreter({ heapBytes: 8 * 1024 * 1024, stdout: (line) => onPrint(line) });
  const FS = py.mp.FS;
  mountHostFolder(FS, setup.sdDir, '/sdcard', setup.sdBytes === undefined ? {} : { capacityBytes: setup.sdBytes });
  copyTree(FS, setup.scriptsDir, '/flash');
  FS.writeFile('/flash/omvd_config.json', JSON.stringify(setup.config));
  // Without the native module, scripts fall back to their own pure-MicroPython link, as on firmware 4.x.
  copyTree(FS, setup.firmwareDir, '/fw', (name) => setup.link === 'python' && name === 'protocol.py');
  const firmware = bootFirmware(py, runtime, { uid: setup.uid, native: setup.link === 'native', board: setup.board });
  onPrint = firmware.print;
  py.run(`
import sys
sys.path[:0] = ['/fw']
import _time
sys.modules['time'] = _time
`);
  post({ t: 'ready' });
  let error: string | undefined;
  try {
    firmware.runScripts(() => py.run(`exec(open('/flash/main.py').read(), {'__name__': '__main__'})`));
  } catch (e) {
    if (!(e instanceof DeviceScriptError)) throw e;
    error = e.message;
  }
  post(error === undefined ? { t: 'exit' } : { t: 'exit', error });
}

main().catch((e: unknown) => post({ t: 'exit', error: e instanceof Error ? e.message : String(e) }));
