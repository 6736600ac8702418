/** OpenMV USB identities (reference: ../shared/reference/openmv.md §0.5; firmware board configs). */
export const OPENMV_VID = 0x37c5;
export const LEGACY_VID = 0x1209;
export const LEGACY_PID = 0xabd1;

export const OPENMV_BOARDS: Readonly<Record<number, string>> = {
  0x1202: 'OpenMV Cam M4',
  0x1203: 'OpenMV Cam M7',
  0x1204: 'OpenMV Cam H7',
  0x124a: 'OpenMV Cam H7 Plus',
  0x1205: 'PureThermal OpenMV',
  0x1206: 'OpenMV N6',
  0x16e3: 'OpenMV AE3',
  0x1060: 'OpenMV Cam RT1062',
};

/** The legacy CDC bootloader reuses 0x1209:0xABD1 with these serial numbers (full speed, high speed). */
const LEGACY_BOOTLOADER_SERIALS = new Set(['000000000011', '000000000010']);

export type UsbRole = 'camera' | 'bootloader';

export interface UsbIdentity {
  role: UsbRole;
  board: string;
}

/** Parses a VID/PID as serialport reports it ("37c5", "37C5", "0x37c5"); NaN when absent. */
export function parseUsbId(value: string | undefined): number {
  if (!value) return Number.NaN;
  const hex = value.trim().toLowerCase().replace(/^0x/, '');
  return /^[0-9a-f]{1,4}$/.test(hex) ? Number.parseInt(hex, 16) : Number.NaN;
}

/** What a USB serial device is, if it is an OpenMV camera or one of its bootloaders; null otherwise. */
export function identifyUsb(vendorId: string | undefined, productId: string | undefined, serialNumber?: string): UsbIdentity | null {
  const vid = parseUsbId(vendorId);
  const pid = parseUsbId(productId);
  if (vid === OPENMV_VID) {
    if (OPENMV_BOARDS[pid]) return { role: 'camera', board: OPENMV_BOARDS[pid]! };
    const dfu = OPENMV_BOARDS[pid & ~0x8000];
    if (pid & 0x8000 && dfu) return { role: 'bootloader', board: `${dfu} (DFU bootloader)` };
    return { role: 'camera', board: `OpenMV camera 0x${pid.toString(16)}` };
  }
  if (vid === LEGACY_VID && pid === LEGACY_PID) {
    if (serialNumber && LEGACY_BOOTLOADER_SERIALS.has(serialNumber)) return { role: 'bootloader', board: 'OpenMV (legacy bootloader)' };
    return { role: 'camera', board: 'OpenMV camera (firmware ≤ 4.5)' };
  }
  return null;
}
