import type { CommandModule } from 'yargs';
import { jsonOption, portOption, withCameras } from './camera-options.js';

interface Args {
  port?: string;
  json: boolean;
}

export const infoCommand: CommandModule<object, Args> = {
  command: 'info',
  describe: 'Show what a camera is: board, unique id, firmware, protocol caps, channels',
  builder: (y) => y.option('port', portOption).option('json', jsonOption).example('$0 info --port /dev/ttyACM0', '') as never,
  handler: async (args) => {
    const cameras = await withCameras(args.port, async (conn) => ({ port: conn.path, link: conn.link, ...conn.client.camera }));
    if (args.json) {
      process.stdout.write(`${JSON.stringify({ ok: true, cameras }, null, 2)}\n`);
      return;
    }
    for (const c of cameras) {
      const s = c.sysInfo;
      process.stdout.write(
        `${c.port}: camera ${s.uniqueId} (USB ${s.usbVid.toString(16)}:${s.usbPid.toString(16)}), firmware ${c.version.firmware.join('.')}, protocol ${c.version.protocol.join('.')} (${c.link} link)\n` +
          `  caps: crc ${c.caps.crc ? 'on' : 'off'}, acks ${c.caps.ack ? 'on' : 'off'}, max payload ${c.caps.maxPayload} B\n` +
          `  channels: ${c.channels.map((ch) => `${ch.id}:${ch.name}`).join(', ')}\n`,
      );
    }
  },
};
