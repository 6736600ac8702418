import { afterEach, describe, expect, it } from 'vitest';
import { ChannelId, Opcode, payloads, StdinIoctl, SysEvent } from '../../protocol/v2/index.js';
import { V2Client } from '../../host/v2/client.js';
import { waitFor } from '../support/tools.js';
import { scripted, type Scripted } from './scripted.js';

/** ports/stm32/main.c:297-355 and the stdin channel, as the virtual camera plays them. */
describe('boot, REPL and soft reboot', () => {
  const cams: Scripted[] = [];
  const clients: V2Client[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    for (const c of cams.splice(0)) await c.camera.stop();
  });

  async function start(main: string): Promise<{ cam: Scripted; client: V2Client; notifies: () => number }> {
    const cam = await scripted(main);
    cams.push(cam);
    let notifies = 0;
    const client = new V2Client(cam.camera.link, { onEvent: (chan, event) => void (chan === ChannelId.STDOUT && event === SysEvent.NOTIFY && notifies++) });
    clients.push(client);
    await client.connect();
    return { cam, client, notifies: () => notifies };
  }

  const names = async (client: V2Client): Promise<string[]> => (await client.listChannels()).map((c) => c.name);

  it('boots with _boot.py\'s sys.path and working folder (the SD card)', async () => {
    const { cam } = await start('import sys, os\nprint("path", sys.path)\nprint("cwd", os.getcwd())\n');
    expect(await cam.line(/^path /)).toBe("path ['/fw', '', '.frozen', '/flash', '/flash/lib', '/sdcard', '/sdcard/lib']");
    expect(await cam.line(/^cwd /)).toBe('cwd /sdcard');
  });

  it('runs what stdin holds only when the host says EXEC, however slowly the host writes it', async () => {
    const { cam, client, notifies } = await start('print("booted")\n'); // then the camera waits in the REPL
    await cam.line(/^booted$/);
    const source = new TextEncoder().encode('print("half" + "way")\n');
    await client.ioctl(ChannelId.STDIN, StdinIoctl.RESET);
    await client.write(ChannelId.STDIN, 0, source.subarray(0, 9));
    // The stdout channel's tick sends a NOTIFY every 50 ms while "booted" waits unread: four of them span at least
    // 150 ms of the camera's time, in which a REPL that ran the buffer on its own would have run it.
    const seen = notifies();
    await waitFor(() => notifies() >= seen + 4, 'four stdout NOTIFY events');
    expect(cam.lines.filter((l) => /SyntaxError|halfway/.test(l))).toEqual([]);
    await client.write(ChannelId.STDIN, 9, source.subarray(9));
    await client.ioctl(ChannelId.STDIN, StdinIoctl.EXEC);
    await cam.line(/^halfway$/);
    expect(cam.lines.some((l) => l.includes('SyntaxError'))).toBe(false);
  });

  it('a script run from stdin keeps its channels while it runs; its end is a soft reboot that drops them and the caps', async () => {
    const { cam, client } = await start('print("booted")\n');
    await cam.line(/^booted$/);
    const script = [
      'import protocol, time',
      'class B:',
      '    def size(self):',
      '        return 3',
      '    def readp(self, offset, size):',
      '        return b"abc"[offset:offset + size]',
      'ch = protocol.register(name="t.chan", backend=B())',
      'while True:',
      '    time.sleep_ms(10)',
      '',
    ].join('\n');
    await client.ioctl(ChannelId.STDIN, StdinIoctl.RESET);
    await client.write(ChannelId.STDIN, 0, new TextEncoder().encode(script));
    await client.ioctl(ChannelId.STDIN, StdinIoctl.EXEC);
    await waitFor(async () => (await names(client)).includes('t.chan'), 'the script\'s channel');
    expect(client.camera.caps.ack).toBe(false); // what the client negotiated
    await client.ioctl(ChannelId.STDIN, StdinIoctl.STOP);
    await cam.line(/^MPY: soft reboot$/);
    await waitFor(async () => !(await names(client)).includes('t.chan'), 'the channel to go with the soft reboot');
    // omv_protocol_init_default ran again, back to sequence 0 and the default caps: the client, told by the
    // SOFT_REBOOT event, resynchronised and negotiated its own caps again.
    expect(client.stats.resyncs).toBeGreaterThan(0);
    expect(payloads.caps.decode(await client.call(Opcode.PROTO_GET_CAPS, 0)).ack).toBe(false);
  });

  it('the channels of a boot main.py outlive it: after it dies they are still served (py_protocol.c:425-428)', async () => {
    const main = [
      'import protocol',
      'class B:',
      '    def size(self):',
      '        return 5',
      '    def readp(self, offset, size):',
      '        return b"alive"[offset:offset + size]',
      'protocol.register(name="t.survivor", backend=B())',
      'raise MemoryError("the script dies")',
      '',
    ].join('\n');
    const { cam, client } = await start(main);
    await cam.line(/MemoryError: the script dies/);
    await client.listChannels();
    const id = client.channelId('t.survivor')!;
    expect(id).toBeGreaterThan(3);
    expect(new TextDecoder().decode(await client.read(id, 0, 5))).toBe('alive');
    expect(await client.poll()).not.toContain(ChannelId.STDIN); // nothing runs
  });
});
