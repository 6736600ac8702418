import type { CommandModule } from 'yargs';
import { infoEntry, type InfoEntry } from '../../api/documents.js';
import { eachCamera } from '../../api/route.js';
import { createLogger } from '../../log.js';
import { clientOptions, jsonOption, linkOptions, portOption, type LinkArgs } from './camera-options.js';

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
    const cameras = await eachCamera<InfoEntry>(args.port, options, {
      direct: async (conn) => infoEntry(conn.path, conn.client),
      daemon: async ({ daemon }, camera, port) => ({ ...(await daemon.json<{ cameras: InfoEntry[] }>('GET', `/api/v1/cameras/${camera.id}`)).cameras[0]!, port }),
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
