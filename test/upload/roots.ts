import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Ceph } from '../support/ceph.js';

export const CAMERA = '3A00112233445566778899AB';
export const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/**
 * A sync root as `omvd sync` leaves it: `<root>/<camera>/<name>` for each verified recording, listed in the
 * camera's manifest.json, and dataset files under `datasets/`. Random bytes stand in for the contents.
 */
export function makeRoot(root: string, recordings: Record<string, number>, datasets: Record<string, number> = {}, camera = CAMERA): Record<string, Buffer> {
  const dir = join(root, camera);
  const files: Record<string, Buffer> = {};
  const manifest = { camera: { id: camera, firmware: '4.6.20' }, recordings: {} as Record<string, unknown> };
  for (const [name, size] of Object.entries(recordings)) {
    files[name] = randomBytes(size);
    manifest.recordings[name] = { size, sha256: sha256(files[name]), frames: 42, syncedAt: '2026-12-01T10:00:00.000Z' };
  }
  for (const [rel, size] of Object.entries(datasets)) files[`datasets/${rel}`] = randomBytes(size);
  for (const [rel, data] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), data);
  }
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
  return files;
}

/** What every `omvd upload` in the tests runs with: the cluster's user, and no settings of this machine's. */
export function storeEnv(ceph: Ceph, work: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const config = join(work, 'omvd-config.json');
  writeFileSync(config, '{}');
  return { AWS_ACCESS_KEY_ID: ceph.accessKey, AWS_SECRET_ACCESS_KEY: ceph.secretKey, AWS_CONFIG_FILE: join(work, 'no-aws-config'), AWS_SHARED_CREDENTIALS_FILE: join(work, 'no-aws-credentials'), OMVD_CONFIG: config, ...extra };
}
