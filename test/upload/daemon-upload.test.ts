import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeImageIo } from '../../protocol/imageio/index.js';
import { Pixformat } from '../../protocol/imageio/pixformat.js';
import { startCeph, type Ceph } from '../support/ceph.js';
import { getBytes, headObject, listKeys, makeBucket, openUploads, s3Client } from '../support/s3.js';
import { startSim, type SimProcess } from '../support/sim-process.js';
import { omvd, spawnOmvd, waitFor } from '../support/tools.js';
import { sha256, storeEnv } from './roots.js';

const recording = (frames: number, fill: number, w = 320, h = 240): Uint8Array =>
  encodeImageIo(Array.from({ length: frames }, (_, i) => ({ elapsedMs: 40, width: w, height: h, pixformat: Pixformat.GRAYSCALE, data: new Uint8Array(w * h).fill((fill + i) & 0xff) })));

/** `omvd daemon --upload s3://…` as install-service runs it: sync each camera, export, deliver to the store. */
describe('omvd daemon --upload', () => {
  let ceph: Ceph;
  let s3: S3Client;
  const sims: SimProcess[] = [];
  const work = mkdtempSync(join(tmpdir(), 'omvd-daemon-upload-'));
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    ceph = await startCeph();
    s3 = s3Client(ceph);
    env = storeEnv(ceph, work);
    await makeBucket(s3, 'lab');
  }, 180_000);

  afterAll(async () => {
    for (const s of sims) await s.stop();
    s3?.destroy();
    await ceph?.stop();
    rmSync(work, { recursive: true, force: true });
  }, 180_000);

  async function camera(name: string, files: Record<string, Uint8Array>): Promise<SimProcess> {
    mkdirSync(join(work, `sd-${name}`));
    for (const [file, bytes] of Object.entries(files)) writeFileSync(join(work, `sd-${name}`, file), bytes);
    const sim = await startSim(['--pty', join(work, `cam-${name}`), '--sd', join(work, `sd-${name}`), '--board', 'RT1062']);
    sims.push(sim);
    return sim;
  }

  it('two daemons, each with its own root and camera, land every verified recording and dataset in one bucket, byte-identical', async () => {
    const a = await camera('a', { 'rec_0001.bin': recording(3, 1, 64, 48) });
    const b = await camera('b', { 'rec_0001.bin': recording(4, 9, 64, 48) });
    const daemons = [a, b].map((sim, i) => ({ sim, root: join(work, `root-${i}`) })).map(({ sim, root }) => ({ sim, root, proc: spawnOmvd(['daemon', '--port', sim.path, '--root', root, '--upload', 's3://lab/fleet', '--endpoint', ceph.endpoint, '--path-style', '--json'], env) }));
    try {
      for (const { sim, root } of daemons) {
        await waitFor(async () => (await listKeys(s3, 'lab', `fleet/${sim.id}/`)).some((k) => k.endsWith('.rtdc')) && (await listKeys(s3, 'lab', `fleet/${sim.id}/`)).includes(`fleet/${sim.id}/rec_0001.bin`), `camera ${sim.id} delivered`, 120_000, 250);
        const manifest = JSON.parse(readFileSync(join(root, sim.id, 'manifest.json'), 'utf8'));
        const host = readFileSync(join(root, sim.id, 'rec_0001.bin'));
        expect(sha256(await getBytes(s3, 'lab', `fleet/${sim.id}/rec_0001.bin`))).toBe(sha256(host));
        expect((await headObject(s3, 'lab', `fleet/${sim.id}/rec_0001.bin`)).meta).toMatchObject({ sha256: manifest.recordings['rec_0001.bin'].sha256, 'camera-id': sim.id, board: 'OpenMV Cam RT1062' });
        const rtdc = join(root, sim.id, 'datasets', 'rec_0001.rtdc');
        expect(sha256(await getBytes(s3, 'lab', `fleet/${sim.id}/datasets/rec_0001.rtdc`))).toBe(sha256(readFileSync(rtdc)));
      }
    } finally {
      for (const d of daemons) expect(await d.proc.stop()).toBe(0);
    }
    expect(new Set((await listKeys(s3, 'lab', 'fleet/')).map((k) => k.split('/')[1]))).toEqual(new Set([a.id, b.id]));
  }, 240_000);

  it('a daemon killed mid-upload resumes where the store\'s parts end, and the object is byte-identical', async () => {
    const big = recording(600, 3); // ≈ 46 MB: several 8 MiB parts
    const sim = await camera('big', { 'rec_0001.bin': big });
    const root = join(work, 'root-big');
    const args = ['daemon', '--port', sim.path, '--root', root, '--no-export', '--upload', 's3://lab/resume', '--endpoint', ceph.endpoint, '--path-style', '--upload-limit', '4MB/s', '--json'];
    const first = spawnOmvd(args, env);
    // The ledger's own files (a part file being replaced is a .tmp beside it until renamed).
    const parts = (): number => {
      const dir = join(root, sim.id, '.upload');
      if (!existsSync(dir)) return 0;
      return readdirSync(dir).flatMap((t) => (existsSync(join(dir, t, 'parts')) ? readdirSync(join(dir, t, 'parts')).filter((f) => f.endsWith('.json')).map((f) => join(dir, t, 'parts', f)) : [])).reduce((n, f) => n + Object.keys(JSON.parse(readFileSync(f, 'utf8')).parts ?? {}).length, 0);
    };
    try {
      await waitFor(() => parts() >= 2, 'two parts acknowledged by the store', 180_000, 100);
    } finally {
      expect(await first.stop('SIGKILL')).toBe('SIGKILL');
    }
    expect(await listKeys(s3, 'lab', 'resume/')).toEqual([]); // nothing published before it is whole and verified
    expect((await openUploads(s3, 'lab')).filter((k) => k.startsWith('resume/')), 'the kill came before the upload\'s end, as this test needs').toEqual([`resume/${sim.id}/rec_0001.bin`]);
    const second = spawnOmvd(args.filter((a) => a !== '--upload-limit' && a !== '4MB/s'), env);
    try {
      await waitFor(async () => (await listKeys(s3, 'lab', 'resume/')).length === 1, 'the recording delivered', 180_000, 250);
    } finally {
      expect(await second.stop()).toBe(0);
    }
    expect(sha256(await getBytes(s3, 'lab', `resume/${sim.id}/rec_0001.bin`))).toBe(sha256(big));
    expect(await openUploads(s3, 'lab')).toEqual([]);
    expect(JSON.parse(second.stdout()).upload.partsReused, second.stderr().slice(-4000)).toBeGreaterThanOrEqual(2);
  }, 400_000);

  it('sync --once --upload --delete-after-upload: the host copy goes only once the store has it, and is not fetched from the camera again', async () => {
    const sim = await camera('del', { 'rec_0001.bin': recording(2, 5, 64, 48) });
    const root = join(work, 'root-del');
    const args = ['sync', '--port', sim.path, '--root', root, '--once', '--no-export', '--upload', 's3://lab/del', '--endpoint', ceph.endpoint, '--path-style', '--delete-after-upload', '--json'];
    const first = omvd(args, env);
    expect(first.status, first.stderr).toBe(0);
    const doc = JSON.parse(first.stdout);
    expect(doc.synced.map((r: { name: string }) => r.name)).toEqual(['rec_0001.bin']);
    expect(doc.upload).toMatchObject({ store: 's3://lab/del', uploaded: 1, failed: [] });
    expect(existsSync(join(root, sim.id, 'rec_0001.bin'))).toBe(false);
    expect(sha256(await getBytes(s3, 'lab', `del/${sim.id}/rec_0001.bin`))).toBe(sha256(readFileSync(join(work, 'sd-del', 'rec_0001.bin'))));
    const again = JSON.parse(omvd(args, env).stdout);
    expect(again.synced).toEqual([]);
    expect(again.upToDate.map((r: { name: string }) => r.name)).toEqual(['rec_0001.bin']);
    const ls = JSON.parse(omvd(['ls', '--port', sim.path, '--root', root, '--upload', 's3://lab/del', '--endpoint', ceph.endpoint, '--json'], env).stdout);
    expect(ls.cameras[0].recordings[0].upload).toMatchObject({ state: 'uploaded', hostCopyDeleted: true });
  }, 240_000);
});
