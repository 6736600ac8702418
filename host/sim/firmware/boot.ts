import { ChannelId, StdinEvent, SysEvent, type Triple } from '../../../protocol/v2/index.js';
import { DeviceScriptError, type Interpreter } from '../micropython.js';
import { charDevice } from './devices.js';
import { StdinChannel, StdoutChannel, StreamChannel } from './builtin-channels.js';
import { ProtocolDevice } from './v2-device.js';
import { FirmwareBus, pythonChannel, type Dispatch } from './py-channel.js';
import type { FirmwareRuntime } from './runtime.js';

/** An OpenMV Cam H7 (STM32H743, OV5640 sensor) running firmware 5.0.0. */
export const H7_IDENTITY = { usbVid: 0x37c5, usbPid: 0x1204, cpuId: 0x411fc271, chipId: 0x5640, firmware: [5, 0, 0], bootloader: [1, 2, 0] } as const;
const TASK_MS = 50;
const INTERRUPT_CHAR = 3;

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
  let interruptChar = INTERRUPT_CHAR;
  let interrupt = false;
  let clockOffsetS = 0;
  let dispatch: Dispatch | null = null;
  let pendingScript: Uint8Array | null = null;

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

  const requestInterrupt = (): void => {
    if (interruptChar !== -1) interrupt = true;
  };
  const stdin = new StdinChannel({
    onExec(script: Uint8Array) {
      pendingScript = script.slice();
      requestInterrupt();
    },
    onStop: requestInterrupt,
  });
  let device: ProtocolDevice | null = null;
  const stdout = new StdoutChannel(() => device?.sendEvent(ChannelId.STDOUT, SysEvent.NOTIFY, false), () => runtime.now());
  const stream = new StreamChannel();
  if (options.native) {
    device = new ProtocolDevice(
      { receive: () => runtime.takeRx(), waitForData: (ms: number) => runtime.waitForInput(ms), send: (bytes: Uint8Array) => runtime.tx(bytes.slice()), now: () => runtime.now() },
      {
        cpuId: H7_IDENTITY.cpuId,
        usbVid: H7_IDENTITY.usbVid,
        usbPid: H7_IDENTITY.usbPid,
        devId: [0, 8, 16].map((at) => Number.parseInt(options.uid.slice(at, at + 8), 16)) as Triple,
        chipId: [H7_IDENTITY.chipId, 0, 0],
        hwCaps: [0, 0],
        firmware: [...H7_IDENTITY.firmware],
        bootloader: [...H7_IDENTITY.bootloader],
        frameBufferSizeKb: 1024,
        streamBufferSizeKb: 512,
      },
    );
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
      stream.offerFrame(width, height, pixformat, next);
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
      interruptChar = ch;
    },
    vcp_any: () => runtime.rxAvailable(),
    vcp_connected: () => true,
  });

  const encoder = new TextEncoder();
  const runOne = (run: () => void): void => {
    interrupt = false; // the stop that made way for this script is spent
    stdin.running = true;
    device?.sendEvent(ChannelId.STDIN, StdinEvent.SCRIPT_RUNNING, false);
    try {
      run();
    } catch (e) {
      if (!(e instanceof DeviceScriptError)) throw e;
      if (e.pythonType !== 'SystemExit' && e.pythonType !== 'KeyboardInterrupt') firmware.print(e.message);
    } finally {
      interrupt = false;
      stdin.running = false;
      device?.sendEvent(ChannelId.STDIN, StdinEvent.SCRIPT_STOPPED, false);
    }
  };
  const firmware: Firmware = {
    print(line) {
      if (device) stdout.print(encoder.encode(`${line}\n`));
      runtime.log(line);
    },
    runScripts(runMain) {
      runOne(runMain);
      while (!runtime.stopping) {
        if (pendingScript) {
          const source = new TextDecoder().decode(pendingScript);
          pendingScript = null;
          runOne(() => py.run(source));
        } else runtime.idle(TASK_MS, () => pendingScript !== null);
      }
    },
  };
  return firmware;
}
