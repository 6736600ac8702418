import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { OmvError } from '../../protocol/errors.js';
import { ChannelId, StdinIoctl } from '../../protocol/v2/index.js';
import { packageInfo } from '../package-info.js';
import type { V2Client } from '../v2/client.js';
import { V2ProtocolError, V2StatusError, V2TimeoutError } from '../v2/errors.js';
import { OMVD_CHANNELS } from './catalog.js';

export class InstallError extends OmvError {
  constructor(message: string) {
    super('EINSTALL', message);
  }
}

/** Whole uploads tried before giving up. */
const ATTEMPTS = 3;
/** How long the camera may show no change at all (no output, no script starting or ending, no new channel). */
const QUIET_MS = 30_000;
const LOOK_EVERY_MS = 100;
const MARK = 'omvd-install';
/** What the firmware prints when a script it ran from stdin has ended (ports/stm32/main.c:355). */
const SOFT_REBOOT = 'MPY: soft reboot';

function scripts(dir: string): { path: string; bytes: Uint8Array }[] {
  const out: { path: string; bytes: Uint8Array }[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.py')) out.push({ path: relative(dir, p), bytes: readFileSync(p) });
    }
  };
  walk(dir);
  return out;
}

const b64 = (bytes: Uint8Array | string): string => Buffer.from(bytes).toString('base64');

/**
 * The script that installs omvd's device scripts on a camera: the package under /flash/lib/omvd, main.py as
 * /flash/omvd_main.py (it finds the package wherever sys.path lacks it), and /flash/main.py only if the camera has
 * none (so it starts at boot without replacing the user's own). Nothing on the SD card is touched. The files travel as base64 with a SHA-256 over all of them, which the script
 * checks before it writes anything: the stdin channel appends every write (protocol/omv_protocol_channel_stdio.c:
 * 108-124), so a piece sent twice after a lost reply would otherwise install damaged files. It prints
 * "omvd-install NONCE ok" (or "... damaged") and then runs omvd_main.py.
 */
export function installerScript(nonce: string, dir = join(packageInfo().root, 'device-scripts')): string {
  const files = scripts(dir).map(({ path, bytes }) => [path === 'main.py' ? '/flash/omvd_main.py' : `/flash/lib/${path}`, b64(bytes)] as const);
  const boot = 'exec(open("/flash/omvd_main.py").read(), {"__name__": "__main__"})\n';
  const sha = createHash('sha256');
  for (const [target, data] of files) sha.update(`${target}\0${data}\0`);
  return [
    'import os, binascii, hashlib',
    `_N = ${JSON.stringify(nonce)}`,
    `print("${MARK} %s start" % _N)`,
    '_F = [',
    ...files.map(([target, data]) => `    (${JSON.stringify(target)}, b${JSON.stringify(data)}),`),
    ']',
    '_h = hashlib.sha256()',
    'for _t, _d in _F:',
    '    _h.update(_t); _h.update(b"\\0"); _h.update(_d); _h.update(b"\\0")',
    `if binascii.hexlify(_h.digest()).decode() != ${JSON.stringify(sha.digest('hex'))}:`,
    `    print("${MARK} %s damaged" % _N)`,
    'else:',
    '    def _mk(p):',
    '        try:',
    '            os.mkdir(p)',
    '        except OSError:',
    '            pass',
    '    def _w(p, d):',
    '        with open(p, "wb") as f:',
    '            f.write(binascii.a2b_base64(d))',
    '    _mk("/flash/lib")',
    '    _mk("/flash/lib/omvd")',
    '    for _t, _d in _F:',
    '        _w(_t, _d)',
    '    del _F',
    '    try:',
    '        os.stat("/flash/main.py")',
    '    except OSError:',
    `        _w("/flash/main.py", b${JSON.stringify(b64(boot))})`,
    `    print("${MARK} %s ok" % _N)`,
    `    ${boot.trim()}`,
    '',
  ].join('\n');
}

const running = async (client: V2Client): Promise<boolean> => (await client.poll()).includes(ChannelId.STDIN);

/** Looks until `look` is done, for as long as what it sees keeps changing at least every QUIET_MS. */
async function whileMoving<T>(look: () => Promise<{ done: T | null; state: string }>, quiet: () => never): Promise<T> {
  let state = '';
  let movedAt = Date.now();
  for (;;) {
    const now = await look();
    if (now.done !== null) return now.done;
    if (now.state !== state) {
      state = now.state;
      movedAt = Date.now();
    } else if (Date.now() - movedAt > QUIET_MS) quiet();
    await new Promise((r) => setTimeout(r, LOOK_EVERY_MS));
  }
}

/**
 * Stops whatever runs, so nothing can execute a half-written script: the firmware runs the stdin buffer whenever
 * the REPL is left or a script ends (ports/stm32/main.c:333), so the buffer is emptied first.
 */
async function stopRunning(client: V2Client): Promise<void> {
  await client.ioctl(ChannelId.STDIN, StdinIoctl.RESET);
  if (!(await running(client))) return;
  await client.ioctl(ChannelId.STDIN, StdinIoctl.STOP);
  await whileMoving(
    async () => {
      const on = await running(client);
      return { done: on ? null : true, state: String(on) };
    },
    () => {
      throw new InstallError(`the script running on the camera does not stop when asked (it may have turned Ctrl-C off); stop it (OpenMV IDE) or restart the camera without it, then install again`);
    },
  );
  await client.ioctl(ChannelId.STDIN, StdinIoctl.RESET);
}

type Outcome = { ok: true } | { ok: false; why: string };

/**
 * One look at the camera while the installer runs. A camera busy compiling or writing flash does not answer; when
 * it does again, a request the client sent twice can still be queued in it, and the sequence numbers come apart (a
 * SEQUENCE NAK answering the older copy); and a script that ended soft-rebooted the protocol to its default caps.
 * So a failed look connects again (PROTO_SYNC, caps), which puts both ends back in step, and is taken again later;
 * silence counts towards the quiet limit.
 */
async function steadily<T>(client: V2Client, look: () => Promise<T>): Promise<T | null> {
  try {
    return await look();
  } catch (e) {
    if (!linkTrouble(e)) throw e;
    try {
      await client.connect();
    } catch (again) {
      if (!linkTrouble(again)) throw again; // still busy (compiling, writing flash): look again later
    }
    return null;
  }
}

const linkTrouble = (e: unknown): boolean => e instanceof V2StatusError || e instanceof V2TimeoutError || e instanceof V2ProtocolError;

/** Connects again, for as long as a busy camera may stay silent (QUIET_MS). */
async function reconnect(client: V2Client): Promise<void> {
  for (const until = Date.now() + QUIET_MS; ; ) {
    try {
      await client.connect();
      return;
    } catch (e) {
      if (!linkTrouble(e) || Date.now() > until) throw e;
    }
  }
}

/** One whole upload from offset 0, then what the camera made of it. */
async function upload(client: V2Client): Promise<Outcome> {
  const nonce = randomBytes(6).toString('hex');
  await stopRunning(client);
  await client.readStdout(); // what was printed before is not this installer's
  await client.write(ChannelId.STDIN, 0, new TextEncoder().encode(installerScript(nonce)));
  await client.ioctl(ChannelId.STDIN, StdinIoctl.EXEC);
  let out = '';
  let started = false;
  const outcome = await whileMoving<Outcome>(
    async () => {
      // What was read is kept at once: the camera may go silent (compiling what it starts) before the look ends.
      const seen = await steadily(client, async () => {
        out = (out + (await client.readStdout())).slice(-4096);
        return { on: await running(client), names: (await client.listChannels()).map((c) => c.name) };
      });
      if (!seen) return { done: null, state: `${out}|resynced` };
      started ||= seen.on;
      if (out.includes(`${MARK} ${nonce} damaged`)) return { done: { ok: false, why: 'the script arrived damaged' }, state: out };
      if (out.includes(`${MARK} ${nonce} ok`) && Object.values(OMVD_CHANNELS).every((n) => seen.names.includes(n))) return { done: { ok: true }, state: out };
      if ((started && !seen.on) || out.includes(SOFT_REBOOT)) return { done: { ok: false, why: `the installer ended early: ${out.trim().slice(-600) || 'no output'}` }, state: out };
      return { done: null, state: `${out}|${seen.on}|${seen.names.length}` };
    },
    () => {
      throw new InstallError(`the scripts were sent, but nothing happened on the camera for ${QUIET_MS / 1000} s (its output: ${out.trim().slice(-300) || 'none'}); read it with omvd info, or OpenMV IDE`);
    },
  );
  await reconnect(client); // the caps, and the channel list, as they are now
  return outcome;
}

/**
 * Installs and starts the device scripts through the stdin channel (firmware 5.x), then waits for their channels.
 * An upload the camera did not get whole is sent again from the start.
 */
export async function installScripts(client: V2Client): Promise<void> {
  if (client.channelId('stdin') === undefined) throw new InstallError('the camera has no stdin channel (firmware 4.x?): copy device-scripts/ to its flash drive by hand, as main.py and omvd/');
  const failures: string[] = [];
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    let outcome: Outcome;
    try {
      outcome = await upload(client);
    } catch (e) {
      if (!linkTrouble(e)) throw e;
      await reconnect(client);
      outcome = { ok: false, why: `the link faltered (${(e as Error).message})` };
    }
    if (outcome.ok) return;
    failures.push(outcome.why);
  }
  throw new InstallError(`the scripts did not install after ${ATTEMPTS} uploads (${failures.join('; ')}); check the camera's free flash and its output with OpenMV IDE`);
}
