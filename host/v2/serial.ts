import { SerialPort } from 'serialport';
import { OmvError } from '../../protocol/errors.js';
import { serialBinding } from './serial-binding.js';

export class PortError extends OmvError {
  constructor(message: string) {
    super('EPORT', message);
  }
}

/**
 * Opens a serial port for a camera: at 921600 baud a 5.x camera detaches its REPL and speaks Protocol V2; other
 * rates (115200) leave 4.x firmware in its REPL, where omvd's pure-MicroPython link runs. DTR is asserted (the
 * camera sends nothing until it sees it); ports without modem lines (ptys) refuse that, which is harmless.
 */
export async function openSerial(path: string, baudRate: number): Promise<SerialPort> {
  const port = new SerialPort({ path, baudRate, autoOpen: false, binding: serialBinding } as ConstructorParameters<typeof SerialPort>[0]);
  await new Promise<void>((resolve, reject) =>
    port.open((err) => (err ? reject(new PortError(`cannot open ${path}: ${err.message}${/lock/i.test(err.message) ? ' (another program has it open: close OpenMV IDE or the other omvd)' : ''}`)) : resolve())),
  );
  port.on('error', () => {}); // errors surface as 'close' with err.disconnected, or through the link's timeouts
  await new Promise<void>((resolve) => port.set({ dtr: true }, () => resolve()));
  return port;
}

export function closeSerial(port: SerialPort): Promise<void> {
  return new Promise((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve()));
}
