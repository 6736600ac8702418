import { ChannelId, type Triple } from '../../../protocol/v2/index.js';
import type { BoardProfile } from '../boards.js';
import { DeviceScriptError, type Interpreter } from '../micropython.js';
import { charDevice } from './devices.js';
import { H7_IDENTITY, ProtocolDevice, StdinChannel, StdoutChannel, StreamChannel } from './protocol/index.js';
import { FirmwareBus, pythonChannel, type Dispatch } from './py-channel.js';
import type { FirmwareRuntime } from './runtime.js';

const TASK_MS = 50;
/** Big enough for a VGA RGB565 frame: the real H7 streams JPEG-compressed frames through 32 KiB; this one does not compress. */
const STREAM_BUFFER = 640 * 480 * 2 + 64;

export interface Firmware {
  /** Where the interpreter's printed lines go (the stdout channel when the native protocol runs). */
  print(line: string): void;
  /** Runs main.py, then what the host sends through the stdin channel, until the camera stops (the REPL loop). */
  runScripts(runMain: () => void): void;
}

/**
 * scripts/libraries/_boot.py, which ports/stm32/main.c:298 runs at every boot: /flash and /flash/lib on sys.path
 * (_boot.py:108-110), then, with the SD card mounted, /sdcard and /sdcard/lib, and the SD card as the working
 * folder (:118-124). /fw holds the emulated firmware modules, which on a camera are built into the firmware.
 */
const BOOT_PY = `
import sys, os
sys.path[:] = ['/fw', '', '.frozen', '/flash', '/flash/lib', '/sdcard', '/sdcard/lib']
os.chdir('/sdcard')
`;

/**
 * What a soft reboot (main.c:353-356) does to the interpreter: the heap starts over, so every module a script
 * imported is gone (the firmware's own stay, as they are built in), and with them the script channels' backends.
 */
const SOFT_REBOOT_PY = `
import sys, gc, protocol
for _m in [m for m in sys.modules if not getattr(sys.modules[m], '__file__', '/fw/').startswith('/fw/')]:
    del sys.modules[_m]
protocol._soft_reboot()
del _m
gc.collect()
`;
/**
 * Installs the emulated firmware into an interpreter: the `_fw` module the Python firmware modules (sensor, image,
 * time, machine, pyb, protocol) are built on, the character devices, and — unless the camera plays firmware 4.x —
 * the native Protocol V2 device side with its built-in stdin, stdout and stream channels.
 */
export function bootFirmware(py: Interpreter, runtime: FirmwareRuntime, options: { uid: string; native: boolean; board: BoardProfile }): Firmware {
  const FS = py.mp.FS;
  const board = options.board;
  const bus = new FirmwareBus();
  let frame: Uint8Array = new Uint8Array(0);
  let frameAt = 0;
  let interrupt = false;
  let clockOffsetS = 0;
  let dispatch: Dispatch | null = null;
  let leftRepl = false;
  let script = '';
  const boardJson = JSON.stringify({
    arch: board.arch,
    type: board.type,
    sensor: { name: board.sensor.name, chip_id: board.sensor.chipId, pixformats: board.sensor.pixformats, exposure: board.sensor.exposure, gain: board.sensor.gain },
  });

  charDevice(FS, '/dev/sensor', {
    read(into) {
      const n = Math.min(into.length, frame.length - frameAt);
      into.set(frame.subarray(frameAt, frameAt + n));
      frameAt += n;
      return n;
    },
  });
  charDevice(FS, '/dev/fwbus', { read: (into) => bus.toPython(into), write: (bytes) => bus.fromPython(bytes) });
  charDevice(FS, '/dev/vcp', { read: (into) => runtime.readRx(into), write: (bytes) => runtime.tx(bytes.slice()) });

  let runScript: (script: Uint8Array) => void = () => {};
  let device: ProtocolDevice | null = null;
  let stdin: StdinChannel | null = null;
  let stdout: StdoutChannel | null = null;
  let stream: StreamChannel | null = null;
  if (options.native) {
    device = new ProtocolDevice(
      { receive: () => runtime.takeRx(), waitForData: (ms: number) => runtime.waitForInput(ms), send: (bytes: Uint8Array) => runtime.tx(bytes.slice()), now: () => runtime.now() },
      { bufferSize: board.bufferSize },
      {
        ...H7_IDENTITY,
        cpuId: board.cpuId,
        devId: [0, 8, 16].map((at) => Number.parseInt(options.uid.slice(at, at + 8), 16)) as Triple,
        usbVid: board.usbVid,
        usbPid: board.usbPid,
        chipId: [board.sensor.chipId, 0, 0],
        hwCaps: [board.hwCaps, 0],
        streamBufferSizeKb: Math.ceil(STREAM_BUFFER / 1024),
      },
    );
    stdin = new StdinChannel(device, {
      // STOP and EXEC schedule a KeyboardInterrupt (omv_protocol_channel_stdio.c:150-163): it ends a running
      // script, or leaves the REPL, after which the main loop calls omv_protocol_exec_script (main.c:333).
      onStop() {
        interrupt = true;
        leftRepl = true;
      },
      onExec: (source) => runScript(source),
    });
    stdout = new StdoutChannel(device, board.stdioBufferSize);
    stream = new StreamChannel(device, { bufferSize: STREAM_BUFFER });
    device.registerStatic(ChannelId.STDIN, stdin);
    device.registerStatic(ChannelId.STDOUT, stdout);
    device.registerStatic(ChannelId.STREAM, stream);
    let lastTask = 0;
    const dev = device;
    runtime.service = () => {
      const now = runtime.now();
      if (now - lastTask >= TASK_MS) {
        lastTask = now;
        dev.task();
      } else dev.poll();
    };
  }

  const status = (): number => (runtime.stopping ? 2 : interrupt ? ((interrupt = false), 1) : 0);
  py.mp.registerJsModule('_fw', {
    sleep_ms: (ms: number) => (runtime.idle(ms), status()),
    sensor_config: (pixformat: number, width: number, height: number, fps: number) => runtime.configureSensor(pixformat, width, height, fps),
    snapshot: () => {
      const next = runtime.snapshot();
      const s = status();
      if (!next || s !== 0) return -(next ? s : 2);
      frame = next;
      frameAt = 0;
      const { width, height, pixformat } = runtime.sensor;
      stream?.setFrame({ width, height, pixformat, data: next });
      return next.length;
    },
    uid: () => options.uid.toLowerCase(),
    board: () => boardJson,
    take_script: () => {
      const source = script;
      script = '';
      return source;
    },
    clock_offset_s: () => clockOffsetS,
    set_clock_offset_s: (s: number) => {
      clockOffsetS = s;
    },
    set_dispatch: (fn: Dispatch) => {
      dispatch = fn;
    },
    register: (name: string, flags: number, methods: string) => {
      if (!device) return -1;
      const channel = pythonChannel(name, flags, new Set(methods.split(',').filter(Boolean)), () => {
        if (!dispatch) throw new Error('protocol.py did not hand over its dispatcher');
        return dispatch;
      }, bus);
      const id = device.registerDynamic(channel);
      channel.bind(id);
      return id;
    },
    send_event: (cid: number, event: number, waitAck: boolean) => device?.sendEvent(cid, event, waitAck) ?? false,
    is_active: () => device !== null,
    backend_error: (cid: number, method: string, text: string) => runtime.log(`channel ${cid} ${method}() raised ${text}`),
    set_interrupt_char: (ch: number) => {
      if (stdin) stdin.interruptEnabled = ch !== -1;
    },
    vcp_any: () => runtime.rxAvailable(),
    vcp_connected: () => true,
  });

  const encoder = new TextEncoder();
  const runOne = (run: () => void): void => {
    interrupt = false; // the stop that made way for this script is spent
    // pyexec lets Ctrl-C (and so the stdin channel's STOP) interrupt every script it runs, until the script says otherwise.
    if (stdin) stdin.interruptEnabled = true;
    stdin?.setScriptRunning(true);
    try {
      run();
    } catch (e) {
      if (!(e instanceof DeviceScriptError)) throw e;
      if (e.pythonType !== 'SystemExit' && e.pythonType !== 'KeyboardInterrupt') firmware.print(e.message);
    } finally {
      interrupt = false;
      stdin?.setScriptRunning(false);
    }
  };
  // stdin_channel_exec runs the buffer with pyexec_vstr in a fresh __main__ (the soft reboot before it cleared it).
  runScript = (source) => {
    script = new TextDecoder().decode(source);
    runOne(() => py.run(`exec(_fw.take_script(), {'__name__': '__main__'})`));
  };
  py.run(`import _fw`);
  const firmware: Firmware = {
    print(line) {
      stdout?.print(encoder.encode(`${line}\n`));
      runtime.log(line);
    },
    runScripts(runMain) {
      py.run(BOOT_PY);
      runOne(runMain);
      // ports/stm32/main.c:333-351: omv_protocol_exec_script() right after main.py and each time the REPL is left;
      // a script it ran ends in a soft reboot (main.c:353-356), after which _boot.py runs again but main.py does not.
      while (!runtime.stopping) {
        if (device?.execScript()) {
          firmware.print('MPY: soft reboot');
          device.reinit();
          py.run(SOFT_REBOOT_PY);
          py.run(BOOT_PY);
          continue;
        }
        // The REPL: Ctrl-C on (main.c:338); only a STOP or EXEC ioctl brings the loop back to exec_script.
        if (stdin) stdin.interruptEnabled = true;
        leftRepl = false;
        runtime.idle(Number.POSITIVE_INFINITY, () => leftRepl);
      }
    },
  };
  return firmware;
}
