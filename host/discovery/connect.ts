import type { SerialPort } from 'serialport';
import { OmvError } from '../../protocol/errors.js';
import { MAGIC_BAUDRATE } from '../../protocol/v2/index.js';
import { V2Client, type ClientOptions } from '../v2/client.js';
import { closeSerial, openSerial } from '../v2/serial.js';

/** The baud rate for omvd's pure-MicroPython link on firmware 4.x (921600 and 12M switch 4.x into its IDE protocol; 1200 can enter the bootloader). */
export const PYTHON_LINK_BAUDRATE = 115200;

export class NotACameraError extends OmvError {
  constructor(path: string, reasons: string[]) {
    super('ENOTCAMERA', `no OpenMV camera answered on ${path} (${reasons.join('; ')}); check the port, and that the camera runs firmware ≥ 5 or omvd's scripts`);
  }
}

export interface Connection {
  path: string;
  port: SerialPort;
  client: V2Client;
  close(): Promise<void>;
}

/**
 * Connects to the camera on `path`: native Protocol V2 at 921600 first, then the scripts' own link at 115200.
 * Only the first sync is a short probe (a port with nothing behind it fails within a second or two); the session
 * after it runs with `options.policy`, the same for every command. `signal` gives up (ECLOSED) and closes the port:
 * a port that keeps sending bytes that are not a camera's can hold the probe for long.
 */
export async function connectCamera(path: string, options: ClientOptions = {}, signal?: AbortSignal): Promise<Connection> {
  const reasons: string[] = [];
  for (const baud of [MAGIC_BAUDRATE, PYTHON_LINK_BAUDRATE]) {
    if (signal?.aborted) throw new OmvError('ECLOSED', `gave up connecting to ${path}: stopped`);
    const port = await openSerial(path, baud);
    const client = new V2Client(port, options);
    const giveUp = (): void => client.close();
    signal?.addEventListener('abort', giveUp, { once: true });
    try {
      await client.connect();
      signal?.removeEventListener('abort', giveUp);
      return {
        path,
        port,
        client,
        close: async () => {
          client.close();
          await closeSerial(port);
        },
      };
    } catch (e) {
      signal?.removeEventListener('abort', giveUp);
      reasons.push(`${baud} baud: ${(e as Error).message}`);
      client.close();
      await closeSerial(port);
      if (signal?.aborted) throw e;
    }
  }
  throw new NotACameraError(path, reasons);
}
