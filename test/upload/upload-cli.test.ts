import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removedAfterUpload, uploadStatus } from '../../host/upload/status.js';
import { targetId } from '../../host/upload/target.js';
import { startCeph, type Ceph } from '../support/ceph.js';
import { getBytes, headObject, listKeys, makeBucket, openUploads, s3Client, startRelay } from '../support/s3.js';
import { omvd, spawnOmvd, waitFor } from '../support/tools.js';
import { CAMERA, makeRoot, sha256, storeEnv } from './roots.js';

const MB = 1_000_000;
/** Each test runs omvd a few times; on a loaded 2-core machine one run can take several seconds. */
const TEST_MS = 180_000;

describe('omvd upload ROOT s3://bucket/prefix against a real S3 store (Ceph radosgw)', () => {
  let ceph: Ceph;
  let s3: S3Client;
  const work = mkdtempSync(join(tmpdir(), 'omvd-upload-'));
  let env: NodeJS.ProcessEnv;
  const argv = (root: string, url: string, args: string[], endpoint: string): string[] => ['upload', root, url, '--endpoint', endpoint, '--path-style', '--json', ...args];
  const upload = (root: string, url: string, args: string[] = [], extra: NodeJS.ProcessEnv = {}) => omvd(argv(root, url, args, ceph.endpoint), { ...env, ...extra });
  /** Through the relay, which runs in this process: the CLI must not block its event loop. */
  const uploadVia = async (endpoint: string, root: string, url: string): Promise<string> => {
    const p = spawnOmvd(argv(root, url, [], endpoint), env);
    expect(await p.exited, p.stderr()).toBe(0);
    return p.stdout();
  };

  beforeAll(async () => {
    ceph = await startCeph();
    s3 = s3Client(ceph);
    env = storeEnv(ceph, work);
    for (const b of ['lab', 'other']) await makeBucket(s3, b);
  }, 180_000);

  afterAll(async () => {
    s3?.destroy();
    await ceph?.stop();
    rmSync(work, { recursive: true, force: true });
  }, TEST_MS);

  it('delivers each verified recording and its finished datasets byte-identical, with the recording\'s metadata; nothing else', async () => {
    const root = join(work, 'a');
    const files = makeRoot(root, { 'rec_0001.bin': 20 * MB, 'rec_0002.bin': 1000 }, { 'rec_0001.rtdc': 2 * MB, 'rec_0001/camera/ts': 800, 'rec_0001/camera/missing.json': 0, 'rec_0001/config.yaml': 50, 'rec_0002.001.avi': 300 });
    const cam = join(root, CAMERA);
    mkdirSync(join(cam, '.partial'));
    writeFileSync(join(cam, '.partial', 'rec_0003.bin'), 'half a recording');
    writeFileSync(join(cam, 'rec_0009.bin'), 'not in the manifest: not verified');
    writeFileSync(join(cam, 'datasets', 'rec_0002.rtdc.part'), 'an export still being written');
    const r = upload(root, 's3://lab/openmv');
    expect(r.status, r.stderr).toBe(0);
    // The AWS SDK warns on Node 20 about its future releases; omvd pins the SDK it supports Node 20 with.
    expect(r.stderr).not.toMatch(/Warning/);
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({ ok: true, root, store: 's3://lab/openmv', failed: [], upToDate: 0 });
    expect(summary.uploaded.map((f: { path: string }) => f.path).sort()).toEqual(Object.keys(files).map((rel) => join(cam, rel)).sort());
    expect(await listKeys(s3, 'lab', 'openmv/')).toEqual(Object.keys(files).map((rel) => `openmv/${CAMERA}/${rel}`).sort());
    for (const [rel, data] of Object.entries(files)) expect(sha256(await getBytes(s3, 'lab', `openmv/${CAMERA}/${rel}`)), rel).toBe(sha256(data));
    const rec = await headObject(s3, 'lab', `openmv/${CAMERA}/rec_0001.bin`);
    expect(rec.meta).toEqual({ sha256: sha256(files['rec_0001.bin']!), 'recording-sha256': sha256(files['rec_0001.bin']!), recording: 'rec_0001.bin', 'camera-id': CAMERA, firmware: '4.6.20', frames: '42', 'synced-at': '2026-12-01T10:00:00.000Z' });
    const ds = await headObject(s3, 'lab', `openmv/${CAMERA}/datasets/rec_0001.rtdc`);
    expect(ds.meta).toMatchObject({ sha256: sha256(files['datasets/rec_0001.rtdc']!), 'recording-sha256': sha256(files['rec_0001.bin']!), recording: 'rec_0001.bin' });
    expect(await openUploads(s3, 'lab')).toEqual([]);
  }, TEST_MS);

  it('sends nothing again: the ledger knows what is delivered; without it, HeadObject finds the same SHA-256', async () => {
    const root = join(work, 'b');
    const files = makeRoot(root, { 'rec_0001.bin': 12 * MB }, { 'rec_0001.rtdc': MB });
    const key = `again/${CAMERA}/rec_0001.bin`;
    const relay = await startRelay(ceph.endpoint);
    try {
      expect(JSON.parse(await uploadVia(relay.endpoint, root, 's3://lab/again')).uploaded).toHaveLength(2);
      const first = await headObject(s3, 'lab', key);
      await waitFor(() => Date.now() > first.lastModified.getTime() + 1500, 'a second to pass, so a rewrite would show in LastModified');
      let before = relay.upstreamBytes();
      expect(JSON.parse(await uploadVia(relay.endpoint, root, 's3://lab/again'))).toMatchObject({ ok: true, uploaded: [], present: [], upToDate: 2, sentBytes: 0 });
      expect(relay.upstreamBytes() - before).toBe(0);
      rmSync(join(root, CAMERA, '.upload'), { recursive: true });
      before = relay.upstreamBytes();
      const headRun = JSON.parse(await uploadVia(relay.endpoint, root, 's3://lab/again'));
      expect(headRun).toMatchObject({ ok: true, uploaded: [], upToDate: 0, sentBytes: 0 });
      expect(headRun.present.map((f: { key: string }) => f.key).sort()).toEqual([`again/${CAMERA}/datasets/rec_0001.rtdc`, key]);
      expect(relay.upstreamBytes() - before).toBeLessThan(files['rec_0001.bin']!.length / 100);
      expect((await headObject(s3, 'lab', key)).lastModified).toEqual(first.lastModified);
    } finally {
      await relay.close();
    }
  }, TEST_MS);

  it('never overwrites an object with other content at its key: ECONFLICT for that file, the others still go', async () => {
    const root = join(work, 'c');
    makeRoot(root, { 'rec_0001.bin': 1000, 'rec_0002.bin': 1000 });
    await s3.send(new PutObjectCommand({ Bucket: 'lab', Key: `conflict/${CAMERA}/rec_0001.bin`, Body: 'someone else\'s file' }));
    const r = upload(root, 's3://lab/conflict');
    expect(r.status).toBe(4); // partial
    const summary = JSON.parse(r.stdout);
    expect(summary.failed).toEqual([expect.objectContaining({ code: 'ECONFLICT', key: `conflict/${CAMERA}/rec_0001.bin` })]);
    expect(summary.uploaded.map((f: { key: string }) => f.key)).toEqual([`conflict/${CAMERA}/rec_0002.bin`]);
    expect((await getBytes(s3, 'lab', `conflict/${CAMERA}/rec_0001.bin`)).toString()).toBe('someone else\'s file');
  }, TEST_MS);

  it('wrong credentials: exit 6, ECREDENTIALS saying where credentials come from, and the secret appears nowhere', () => {
    const root = join(work, 'd');
    makeRoot(root, { 'rec_0001.bin': 1000 });
    const secret = 'WRONG-secret-never-printed-0123456789';
    for (const extra of [{ AWS_SECRET_ACCESS_KEY: secret }, { AWS_ACCESS_KEY_ID: 'NOSUCHKEY', AWS_SECRET_ACCESS_KEY: secret }]) {
      const r = upload(root, 's3://lab/creds', [], extra);
      expect(r.status, r.stderr).toBe(6);
      const { ok, error } = JSON.parse(r.stdout);
      expect(ok).toBe(false);
      expect(error.code).toBe('ECREDENTIALS');
      expect(error.message).toMatch(/AWS_ACCESS_KEY_ID/);
      expect(r.stdout + r.stderr).not.toContain(secret);
    }
    const none = upload(root, 's3://lab/creds', [], { AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_EC2_METADATA_DISABLED: 'true' });
    expect(none.status).toBe(6);
    expect(JSON.parse(none.stdout).error).toMatchObject({ code: 'ECREDENTIALS', message: expect.stringMatching(/^no credentials/) });
  }, TEST_MS);

  it('missing bucket: exit 6, ENOBUCKET naming it; a read-only user: ESTOREDENIED; a user over quota: ESTOREFULL', async () => {
    const root = join(work, 'e');
    makeRoot(root, { 'rec_0001.bin': 3 * MB });
    const missing = upload(root, 's3://no-such-bucket/x');
    expect(missing.status).toBe(6);
    expect(JSON.parse(missing.stdout).error).toMatchObject({ code: 'ENOBUCKET', message: expect.stringContaining('s3://no-such-bucket/x') });

    await ceph.admin('subuser', 'create', '--uid', 'omvd', '--subuser', 'omvd:ro', '--access', 'read', '--key-type', 's3', '--access-key', 'readonlykey', '--secret', 'readonlysecret');
    const ro = upload(root, 's3://lab/ro', ['--delete-after-upload'], { AWS_ACCESS_KEY_ID: 'readonlykey', AWS_SECRET_ACCESS_KEY: 'readonlysecret' });
    expect(ro.status).toBe(6);
    expect(JSON.parse(ro.stdout).error.code).toBe('ESTOREDENIED');
    expect(existsSync(join(root, CAMERA, 'rec_0001.bin'))).toBe(true);

    await ceph.admin('user', 'create', '--uid', 'small', '--display-name', 'small', '--access-key', 'smallkey', '--secret', 'smallsecret');
    await ceph.admin('quota', 'set', '--quota-scope', 'user', '--uid', 'small', '--max-size', '1048576');
    await ceph.admin('quota', 'enable', '--quota-scope', 'user', '--uid', 'small');
    const small = s3Client(ceph, ceph.endpoint, 'smallkey', 'smallsecret');
    await makeBucket(small, 'small');
    small.destroy();
    const full = upload(root, 's3://small/x', [], { AWS_ACCESS_KEY_ID: 'smallkey', AWS_SECRET_ACCESS_KEY: 'smallsecret' });
    expect(full.status).toBe(6);
    expect(JSON.parse(full.stdout).error.code).toBe('ESTOREFULL');
  }, TEST_MS);

  it('--delete-after-upload removes the host copies only once verified in the store; the manifest keeps the record', async () => {
    const root = join(work, 'f');
    const files = makeRoot(root, { 'rec_0001.bin': 9 * MB }, { 'rec_0001.rtdc': 1000, 'rec_0001/camera/ts': 80 });
    const cam = join(root, CAMERA);
    const manifest = readFileSync(join(cam, 'manifest.json'), 'utf8');
    const r = upload(root, 's3://lab/moved', ['--delete-after-upload']);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).deleted.sort()).toEqual(Object.keys(files).map((rel) => join(cam, rel)).sort());
    for (const [rel, data] of Object.entries(files)) {
      expect(existsSync(join(cam, rel)), rel).toBe(false);
      expect(sha256(await getBytes(s3, 'lab', `moved/${CAMERA}/${rel}`))).toBe(sha256(data));
    }
    expect(existsSync(join(cam, 'datasets', 'rec_0001'))).toBe(false);
    expect(readFileSync(join(cam, 'manifest.json'), 'utf8')).toBe(manifest);
    const status = await uploadStatus(root, CAMERA, targetId({ bucket: 'lab', prefix: 'moved', endpoint: ceph.endpoint, pathStyle: true }, {}));
    expect(status['rec_0001.bin']).toMatchObject({ state: 'uploaded', hostCopyDeleted: true });
    expect(await removedAfterUpload(root, CAMERA, 'rec_0001.bin')).toBe(true); // so the sync does not fetch it again
    expect(await removedAfterUpload(join(work, 'a'), CAMERA, 'rec_0001.bin')).toBe(false);
    const again = upload(root, 's3://lab/moved', ['--delete-after-upload']);
    expect(JSON.parse(again.stdout)).toMatchObject({ ok: true, failed: [], uploaded: [] });
  }, TEST_MS);

  it('takes the store from the config file\'s upload section when none is named', async () => {
    const root = join(work, 'g');
    const files = makeRoot(root, { 'rec_0001.bin': 1000 });
    const config = join(work, 'upload-config.json');
    writeFileSync(config, JSON.stringify({ upload: { url: 's3://other/from-config', endpoint: ceph.endpoint, path_style: true } }));
    const r = omvd(['upload', root, '--json'], { ...env, OMVD_CONFIG: config });
    expect(r.status, r.stderr).toBe(0);
    expect(sha256(await getBytes(s3, 'other', `from-config/${CAMERA}/rec_0001.bin`))).toBe(sha256(files['rec_0001.bin']!));
    writeFileSync(config, JSON.stringify({ upload: { url: 's3://other/x', secret_access_key: 'do-not-echo' } }));
    const bad = omvd(['upload', root, '--json'], { ...env, OMVD_CONFIG: config });
    expect(bad.status).toBe(2);
    expect(JSON.parse(bad.stdout).error.message).toMatch(/"upload\.secret_access_key" looks like a credential/);
    expect(bad.stdout).not.toContain('do-not-echo');
  }, TEST_MS);
});
