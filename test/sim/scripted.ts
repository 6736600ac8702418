import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VirtualCamera, type VirtualCameraOptions } from '../../host/sim/virtual-camera.js';
import { REPO, waitFor } from '../support/tools.js';

/** A virtual camera running `main` as its main.py (with omvd's package beside it), and everything it printed. */
export interface Scripted {
  camera: VirtualCamera;
  lines: string[];
  /** Waits until a printed line matches `pattern`, and returns it. */
  line(pattern: RegExp, what?: string): Promise<string>;
}

/** `files`: more files for the camera's flash; `withoutPackage`: leave omvd's package out of /flash/omvd. */
export async function scripted(main: string, options: VirtualCameraOptions & { files?: Record<string, string>; withoutPackage?: boolean } = {}): Promise<Scripted> {
  const dir = mkdtempSync(join(tmpdir(), 'omvd-scripted-'));
  if (!options.withoutPackage) cpSync(join(REPO, 'device-scripts/omvd'), join(dir, 'omvd'), { recursive: true });
  writeFileSync(join(dir, 'main.py'), main);
  for (const [path, text] of Object.entries(options.files ?? {})) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  const lines: string[] = [];
  const camera = await VirtualCamera.start({ ...options, scriptsDir: dir, onLog: (l) => lines.push(l) });
  const line = async (pattern: RegExp, what = String(pattern)): Promise<string> => {
    await waitFor(() => lines.some((l) => pattern.test(l)), `the camera to print ${what} (it printed: ${lines.join(' | ').slice(-800)})`, 20_000);
    return lines.find((l) => pattern.test(l))!;
  };
  return { camera, lines, line };
}
