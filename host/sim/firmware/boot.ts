import { ChannelId, type Triple } from '../../../protocol/v2/index.js';
import { DeviceScriptError, type Interpreter } from '../micropython.js';
import { charDevice } from './devices.js';
import { H7_IDENTITY as H7, ProtocolDevice, StdinChannel, StdoutChannel, StreamChannel } from './protocol/index.js';
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
 * Installs the emulated firmware into an interpreter: the `_fw` module the Python firmware modules (sensor, image,
 * time, machine, pyb, protocol) are built on, the character devices, and — unless the camera plays firmware 4.x —
 * the native Protocol V2 device side with its built-in stdin, stdout and stream channels.
 */
export function bootFirmware(py: Interpreter, runtime: FirmwareRuntime, options: { uid: string; native: boolean }): Firmware {
  const FS = py.mp.FS;
  const bus = new FirmwareBus();
  let frame: Uint8Array = new Uint8Array(0);
  let frameAt = 0;
  let interrupt = false;
  let clockOffsetS = 0;
  let dispatch: Dispatch | null = null;
  let execRequested = false;

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
      {},
      { ...H7, devId: [0, 8, 16].map((at) => Number.parseInt(options.uid.slice(at, at + 8), 16)) as Triple, streamBufferSizeKb: Math.ceil(STREAM_BUFFER / 1024) },
    );
    stdin = new StdinChannel(device, {
      onStop(reason) {
        interrupt = true;
        if (reason === 'exec') execRequested = true;
      },
      onExec: (script) => runScript(script),
    });
    stdout = new StdoutChannel(device);
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
    default_fps: () => runtime.defaultFps(),
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
  runScript = (script) => runOne(() => py.run(new TextDecoder().decode(script)));
  const firmware: Firmware = {
    print(line) {
      stdout?.print(encoder.encode(`${line}\n`));
      runtime.log(line);
    },
    runScripts(runMain) {
      runOne(runMain);
      // The REPL loop: omv_protocol_exec_script runs what the host sent through stdin, once nothing else runs.
      while (!runtime.stopping) {
        execRequested = false;
        if (!device?.execScript()) runtime.idle(TASK_MS, () => execRequested);
      }
    },
  };
  return firmware;
}
