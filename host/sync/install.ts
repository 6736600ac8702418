import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { OmvError } from '../../protocol/errors.js';
import { packageInfo } from '../package-info.js';
import type { V2Client } from '../v2/client.js';
import { OMVD_CHANNELS } from './catalog.js';

export class InstallError extends OmvError {
  constructor(message: string) {
    super('EINSTALL', message);
  }
}

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

/**
 * The script that installs omvd's device scripts on a camera: the package under /flash/lib/omvd (on sys.path of
 * OpenMV firmware), main.py as /flash/omvd_main.py, and /flash/main.py only if the camera has none (so it starts
 * at boot without replacing the user's own). It then runs omvd_main.py. Nothing on the SD card is touched.
 */
export function installerScript(dir = join(packageInfo().root, 'device-scripts')): string {
  const lines = [
    'import os, binascii',
    'def _mk(p):',
    '    try:',
    '        os.mkdir(p)',
    '    except OSError:',
    '        pass',
    'def _w(p, d):',
    '    with open(p, "wb") as f:',
    '        f.write(binascii.a2b_base64(d))',
    '_mk("/flash/lib")',
    '_mk("/flash/lib/omvd")',
  ];
  for (const { path, bytes } of scripts(dir)) {
    const target = path === 'main.py' ? '/flash/omvd_main.py' : `/flash/lib/${path}`;
    lines.push(`_w(${JSON.stringify(target)}, b${JSON.stringify(Buffer.from(bytes).toString('base64'))})`);
  }
  lines.push(
    'try:',
    '    os.stat("/flash/main.py")',
    'except OSError:',
    `    _w("/flash/main.py", b${JSON.stringify(Buffer.from('exec(open("/flash/omvd_main.py").read(), {"__name__": "__main__"})\n').toString('base64'))})`,
    'exec(open("/flash/omvd_main.py").read(), {"__name__": "__main__"})',
    '',
  );
  return lines.join('\n');
}

/** Installs and starts the device scripts through the stdin channel (firmware 5.x), then waits for their channels. */
export async function installScripts(client: V2Client, timeoutMs = 10_000): Promise<void> {
  if (client.channelId('stdin') === undefined) throw new InstallError('the camera has no stdin channel (firmware 4.x?): copy device-scripts/ to its flash drive by hand, as main.py and lib/omvd/');
  await client.runScript(installerScript());
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    await new Promise((r) => setTimeout(r, 200));
    const names = (await client.listChannels()).map((c) => c.name);
    if (Object.values(OMVD_CHANNELS).every((n) => names.includes(n))) return;
  }
  throw new InstallError(`the scripts were sent, but their channels did not appear within ${timeoutMs / 1000} s; read the camera's output with omvd info, or OpenMV IDE`);
}
