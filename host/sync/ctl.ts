import { randomBytes } from 'node:crypto';
import { OmvError } from '../../protocol/errors.js';
import type { V2Client } from '../v2/client.js';
import { V2StatusError } from '../v2/errors.js';
import { CtlIoctl, OMVD_CHANNELS, readWhole, requireChannel } from './catalog.js';

const MAX_REPLY_BYTES = 64 * 1024;

export class CameraCommandError extends OmvError {
  readonly reply: Record<string, unknown>;

  constructor(command: string, reply: Record<string, unknown>) {
    super('ECAMERA', `the camera refused "${command}": ${String(reply.error ?? 'no reason given')}`);
    this.reply = reply;
  }
}

/**
 * Sends one JSON command to the device scripts' control channel and returns their reply (ok:true), or throws. Each
 * command carries a new id, so that an EXEC sent again on a bad line (the first may have run) runs it only once.
 */
export async function cameraCommand(client: V2Client, command: Record<string, unknown> & { cmd: string }): Promise<Record<string, unknown>> {
  const chan = requireChannel(client, OMVD_CHANNELS.ctl);
  await client.write(chan, 0, new TextEncoder().encode(JSON.stringify({ ...command, id: randomBytes(6).toString('hex') })));
  let refused = false;
  try {
    await client.ioctl(chan, CtlIoctl.EXEC);
  } catch (e) {
    if (!(e instanceof V2StatusError)) throw e;
    refused = true;
  }
  let reply: Record<string, unknown>;
  try {
    reply = JSON.parse(new TextDecoder().decode(await readWhole(client, chan, MAX_REPLY_BYTES))) as Record<string, unknown>;
  } catch {
    reply = { ok: false, error: 'the camera sent no readable reply' };
  }
  if (refused || reply?.ok !== true) throw new CameraCommandError(command.cmd, reply ?? {});
  return reply;
}
