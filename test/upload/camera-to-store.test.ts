import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCeph, type Ceph } from '../support/ceph.js';
import { getBytes, headObject, listKeys, makeBucket, openUploads, s3Client } from '../support/s3.js';
import { startSim, type SimProcess } from '../support/sim-process.js';
import { omvd, spawnOmvd, waitFor } from '../support/tools.js';
import { sha256, storeEnv } from './roots.js';

/** Every file of a camera folder that is delivered: the recordings and the datasets (not manifest.json, .partial, .upload). */
function delivered(cameraDir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else out[relative(cameraDir, path)] = sha256(readFileSync(path));
    }
  };
  for (const name of readdirSync(cameraDir)) if (name.endsWith('.bin')) out[name] = sha256(readFileSync(join(cameraDir, name)));
  walk(join(cameraDir, 'datasets'));
  return out;
}

const recordingStem = (files: Record<string, string>): string => Object.keys(files).find((rel) => rel.endsWith('.bin'))!.replace(/\.bin$/, '');

describe('a virtual camera synced by omvd sync, then delivered to a real S3 store', () => {
  let ceph: Ceph;
  let s3: S3Client;
  let sim: SimProcess;
  const work = mkdtempSync(join(tmpdir(), 'omvd-camera-store-'));
  let env: NodeJS.ProcessEnv;
  const roots = [join(work, 'host-a'), join(work, 'host-b')];

  beforeAll(async () => {
    [ceph, sim] = await Promise.all([startCeph(), startSim(['--pty', join(work, 'cam'), '--record', '1.5', '--fps', '20', '--sd', join(work, 'sd')])]);
    s3 = s3Client(ceph);
    env = storeEnv(ceph, work);
    await makeBucket(s3, 'lab');
    await waitFor(() => readdirSync(join(work, 'sd')).some((n) => n.endsWith('.bin')), 'the camera to start recording');
    // Both hosts copy the finished recording (following one still being written is the sync's own test).
    await waitFor(
      () => {
        const ls = omvd(['ls', '--port', sim.path, '--json'], env);
        const recordings = ls.status === 0 ? (JSON.parse(ls.stdout).cameras[0]?.recordings ?? []) : [];
        return recordings.length > 0 && recordings.every((r: { open: boolean; sha256: string | null }) => !r.open && r.sha256);
      },
      'the recording to be finished and hashed on the camera',
      120_000,
      500,
    );
    // Two hosts sync the same camera, each into its own root (with the default export: roverd trace + HDF5).
    for (const root of roots) {
      const r = omvd(['sync', '--port', sim.path, '--root', root, '--once', '--json'], env);
      expect(r.status, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).synced).toHaveLength(1);
    }
  }, 300_000);

  afterAll(async () => {
    await sim?.stop();
    s3?.destroy();
    await ceph?.stop();
    rmSync(work, { recursive: true, force: true });
  }, 180_000);

  it('lands the recording and every dataset file byte-identical, with the camera\'s id, firmware, frames and sync time', async () => {
    const r = omvd(['upload', roots[0]!, 's3://lab/one', '--endpoint', ceph.endpoint, '--path-style', '--json'], env);
    expect(r.status, r.stderr).toBe(0);
    const files = delivered(join(roots[0]!, sim.id));
    const names = Object.keys(files);
    expect(names.some((n) => n.endsWith('.rtdc')) && names.some((n) => n.endsWith('.jpg'))).toBe(true);
    expect(await listKeys(s3, 'lab', 'one/')).toEqual(names.map((n) => `one/${sim.id}/${n}`).sort());
    for (const [rel, hash] of Object.entries(files)) expect(sha256(await getBytes(s3, 'lab', `one/${sim.id}/${rel}`)), rel).toBe(hash);
    const manifest = JSON.parse(readFileSync(join(roots[0]!, sim.id, 'manifest.json'), 'utf8'));
    const [name, entry] = Object.entries(manifest.recordings)[0] as [string, { sha256: string; frames: number; syncedAt: string }];
    const meta = (await headObject(s3, 'lab', `one/${sim.id}/${name}`)).meta;
    expect(meta).toMatchObject({ sha256: entry.sha256, 'camera-id': sim.id, firmware: manifest.camera.firmware, frames: String(entry.frames), 'synced-at': entry.syncedAt });
  }, 180_000);

  it('two hosts uploading the same camera into one bucket at once: one object per key, each dataset whole from one host', async () => {
    const upload = (root: string) => spawnOmvd(['upload', root, 's3://lab/shared', '--endpoint', ceph.endpoint, '--path-style', '--json'], env);
    type Summary = { ok: boolean; uploaded: { key: string }[]; present: { key: string }[]; waiting: { key: string }[] };
    const summaries = await Promise.all(
      roots.map(async (root) => {
        const p = upload(root);
        expect(await p.exited, p.stderr()).toBe(0);
        return JSON.parse(p.stdout()) as Summary;
      }),
    );
    const [a, b] = roots.map((root) => delivered(join(root, sim.id)));
    expect(Object.keys(a!).sort()).toEqual(Object.keys(b!).sort());
    // The two exports differ (their times come from each host's copy), so a mix would show.
    expect(Object.keys(a!).filter((rel) => a![rel] !== b![rel])).toContain(`datasets/${recordingStem(a!)}/camera/ts`);
    const keys = Object.keys(a!).map((n) => `shared/${sim.id}/${n}`).sort();
    expect(await listKeys(s3, 'lab', 'shared/')).toEqual(keys);
    for (const s of summaries) expect([...s.uploaded, ...s.present, ...s.waiting].map((f) => f.key).sort()).toEqual(keys);
    const inStore: Record<string, string> = {};
    for (const rel of Object.keys(a!)) inStore[rel] = sha256(await getBytes(s3, 'lab', `shared/${sim.id}/${rel}`));
    const recording = Object.keys(a!).find((rel) => rel.endsWith('.bin'))!;
    expect([inStore[recording], b![recording]]).toEqual([a![recording], a![recording]]);
    // Each dataset (the .rtdc file, the trace folder) is one host's copy, never a mix of both.
    const datasets = new Set(Object.keys(a!).filter((rel) => rel.startsWith('datasets/')).map((rel) => rel.split('/')[1]));
    for (const d of datasets) {
      const rels = Object.keys(a!).filter((rel) => rel.split('/')[1] === d);
      const whole = [a!, b!].some((host) => rels.every((rel) => inStore[rel] === host[rel]));
      expect(whole, d).toBe(true);
    }
    expect(await openUploads(s3, 'lab')).toEqual([]);
    // A host that waited for the other's dataset finds it complete on its next run.
    for (const root of roots) {
      const p = upload(root);
      expect(await p.exited).toBe(0);
      expect((JSON.parse(p.stdout()) as Summary).waiting).toEqual([]);
    }
  }, 180_000);
});
