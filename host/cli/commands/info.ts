import type { CommandModule } from 'yargs';
import { identifyUsb } from '../../discovery/usb-ids.js';
import { createLogger } from '../../log.js';
import { clientOptions, jsonOption, linkOptions, portOption, withCameras, type LinkArgs } from './camera-options.js';

interface Args extends LinkArgs {
  port?: string;
  json: boolean;
}

export const infoCommand: CommandModule<object, Args> = {
  command: 'info',
  describe: 'Show what a camera is: board, unique id, firmware, protocol caps, channels',
  builder: (y) => linkOptions(y.option('port', portOption).option('json', jsonOption)).example('$0 info --port /dev/ttyACM0', '') as never,
  handler: async (args) => {
    const options = await clientOptions(args, createLogger({ json: args.json }));
    const cameras = await withCameras(args.port, options, async (conn) => {
      const { version, sysInfo, caps, channels } = conn.client.camera;
      // Firmware 5.x speaks Protocol V2 itself; on 4.x it is omvd's scripts that do (device-scripts/omvd/v2link.py).
      const protocolBy = version.firmware[0]! >= 5 ? 'firmware' : 'omvd scripts';
      const board = identifyUsb(sysInfo.usbVid.toString(16), sysInfo.usbPid.toString(16))?.board ?? `unknown board (USB ${sysInfo.usbVid.toString(16)}:${sysInfo.usbPid.toString(16)})`;
      return { port: conn.path, board, protocolBy, version, sysInfo, caps, channels, link: conn.client.stats };
    });
    if (args.json) {
      process.stdout.write(`${JSON.stringify({ ok: true, cameras })}\n`);
      return;
    }
    for (const c of cameras) {
      const s = c.sysInfo;
      process.stdout.write(
        `${c.port}: ${c.board} ${s.uniqueId} (USB ${s.usbVid.toString(16)}:${s.usbPid.toString(16)}), firmware ${c.version.firmware.join('.')}, protocol ${c.version.protocol.join('.')} spoken by the ${c.protocolBy}\n` +
          `  caps: crc ${c.caps.crc ? 'on' : 'off'}, acks ${c.caps.ack ? 'on' : 'off'}, max payload ${c.caps.maxPayload} B\n` +
          `  channels: ${c.channels.map((ch) => `${ch.id}:${ch.name}`).join(', ')}\n`,
      );
    }
  },
};
