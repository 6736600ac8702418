import { readdir, realpath } from 'node:fs/promises';
import { SerialPort } from 'serialport';
import { identifyUsb, type UsbIdentity } from './usb-ids.js';

export interface PortInfo {
  path: string;
  vendorId?: string;
  productId?: string;
  serialNumber?: string;
  identity: UsbIdentity | null;
}

/**
 * Serial ports with their USB identity. SerialPort.list() needs udev on Linux (`spawn udevadm ENOENT` in containers);
 * without it, /dev/serial/by-id names and /dev/ttyACM* are listed, with no USB ids.
 */
export async function listPorts(): Promise<PortInfo[]> {
  try {
    const ports = await SerialPort.list();
    return ports.map((p) => ({
      path: p.path,
      ...(p.vendorId ? { vendorId: p.vendorId.toLowerCase() } : {}),
      ...(p.productId ? { productId: p.productId.toLowerCase() } : {}),
      ...(p.serialNumber ? { serialNumber: p.serialNumber } : {}),
      identity: identifyUsb(p.vendorId, p.productId, p.serialNumber),
    }));
  } catch {
    return listDevNodes();
  }
}

async function listDevNodes(): Promise<PortInfo[]> {
  const found = new Map<string, PortInfo>();
  try {
    for (const name of await readdir('/dev/serial/by-id')) {
      const path = await realpath(`/dev/serial/by-id/${name}`);
      // by-id names look like usb-OpenMV_OpenMV_Virtual_Comm_Port_in_FS_Mode_<serial>-if00
      const openmv = /openmv/i.test(name);
      found.set(path, { path, identity: openmv ? { role: 'camera', board: 'OpenMV camera' } : null });
    }
  } catch {
    // no by-id folder
  }
  try {
    for (const name of await readdir('/dev')) if (/^ttyACM\d+$/.test(name) && !found.has(`/dev/${name}`)) found.set(`/dev/${name}`, { path: `/dev/${name}`, identity: null });
  } catch {
    // not Linux
  }
  return [...found.values()];
}
