import { describe, expect, it } from 'vitest';
import { identifyUsb, parseUsbId } from '../../host/discovery/usb-ids.js';
import { udevRule, systemdUnit } from '../../host/cli/commands/install-service.js';

describe('OpenMV USB identities', () => {
  it('normalises VID/PID spellings', () => {
    expect(parseUsbId('37C5')).toBe(0x37c5);
    expect(parseUsbId('0x37c5')).toBe(0x37c5);
    expect(parseUsbId(undefined)).toBeNaN();
    expect(parseUsbId('xyz')).toBeNaN();
  });

  it('tells cameras from bootloaders and from other devices', () => {
    expect(identifyUsb('37c5', '1204')).toEqual({ role: 'camera', board: 'OpenMV Cam H7' });
    expect(identifyUsb('37C5', '124A')?.board).toBe('OpenMV Cam H7 Plus');
    expect(identifyUsb('37c5', '9204')).toEqual({ role: 'bootloader', board: 'OpenMV Cam H7 (DFU bootloader)' });
    expect(identifyUsb('1209', 'abd1', '000000000011')?.role).toBe('bootloader');
    expect(identifyUsb('1209', 'ABD1', '3A0B4C5D6E7F')?.role).toBe('camera');
    expect(identifyUsb('2341', '0043')).toBeNull();
    expect(identifyUsb(undefined, undefined)).toBeNull();
  });

  it('the udev rule keeps ModemManager off both vendor ids; the unit runs the daemon with SIGINT to stop', () => {
    expect(udevRule()).toMatch(/ATTRS\{idVendor\}=="37c5".*ID_MM_DEVICE_IGNORE}="1"/);
    expect(udevRule()).toMatch(/ATTRS\{idVendor\}=="1209", ATTRS\{idProduct\}=="abd1".*ID_MM_DEVICE_IGNORE/);
    const unit = systemdUnit('/data/openmv', 'lab');
    expect(unit).toMatch(/ExecStart=.*main\.js daemon --root \/data\/openmv/);
    expect(unit).toMatch(/KillSignal=SIGINT/);
    expect(unit).toMatch(/User=lab/);
    // The API socket where every command looks for the service, open to the omvd group.
    expect(unit).toMatch(/RuntimeDirectory=omvd\nRuntimeDirectoryMode=0750\nEnvironment=OMVD_SOCKET=\/run\/omvd\/daemon\.sock\n/);
    expect(unit).toMatch(/Group=omvd/);
    expect(unit).toMatch(/daemon --root \/data\/openmv --socket-group/);
  });
});
