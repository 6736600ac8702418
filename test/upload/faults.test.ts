import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListMultipartUploadsCommand, ListPartsCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uploadStatus } from '../../host/upload/status.js';
import { targetId } from '../../host/upload/target.js';
import { startCeph, type Ceph } from '../support/ceph.js';
import { getBytes, makeBucket, openUploads, s3Client, startRelay } from '../support/s3.js';
import { spawnOmvd, waitFor, type CliProcess } from '../support/tools.js';
import { CAMERA, makeRoot, sha256, storeEnv } from './roots.js';

const MB = 1_000_000;

describe('omvd upload through faults: killed, interrupted, the store killed, connections dropped, a bandwidth limit', () => {
  let ceph: Ceph;
  let s3: S3Client;
  const work = mkdtempSync(join(tmpdir(), 'omvd-upload-faults-'));
  let env: NodeJS.ProcessEnv;
  const running = new Set<CliProcess>();

  const start = (root: string, url: string, args: string[] = [], endpoint = ceph.endpoint): CliProcess => {
    const p = spawnOmvd(['upload', root, url, '--endpoint', endpoint, '--path-style', '--json', ...args], env);
    running.add(p);
    void p.exited.then(() => running.delete(p));
    return p;
  };
  const finish = async (p: CliProcess): Promise<Record<string, unknown> & { uploaded: { kind: string; parts: number; partsReused: number; sentBytes: number }[] }> => {
    expect(await p.exited, p.stderr()).toBe(0);
    return JSON.parse(p.stdout());
  };
  /** Sizes of the parts the store holds for the open multipart upload of `key` (none while there is none). */
  const partSizesInStore = async (bucket: string, key: string): Promise<number[]> => {
    const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: key }));
    const id = uploads.Uploads?.find((u) => u.Key === key)?.UploadId;
    if (!id) return [];
    return ((await s3.send(new ListPartsCommand({ Bucket: bucket, Key: key, UploadId: id }))).Parts ?? []).map((p) => p.Size ?? 0);
  };
  const partsInStore = async (bucket: string, key: string): Promise<number> => (await partSizesInStore(bucket, key)).length;

  beforeAll(async () => {
    ceph = await startCeph();
    s3 = s3Client(ceph);
    env = storeEnv(ceph, work);
    await makeBucket(s3, 'lab');
  }, 180_000);

  afterAll(async () => {
    for (const p of running) await p.stop('SIGKILL');
    s3?.destroy();
    await ceph?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('killed with SIGKILL mid-upload: the restart sends only the parts the store lacks, and the object is byte-identical', async () => {
    const root = join(work, 'kill');
    const files = makeRoot(root, { 'rec_0001.bin': 48 * MB });
    const key = `kill/${CAMERA}/rec_0001.bin`;
    const first = start(root, 's3://lab/kill', ['--upload-limit', '12MB/s']);
    await waitFor(async () => (await partsInStore('lab', key)) >= 2, 'two parts in the store', 60_000, 100);
    expect(await first.stop('SIGKILL')).toBe('SIGKILL');
    const r = await finish(start(root, 's3://lab/kill'));
    const [rec] = r.uploaded;
    expect(rec).toMatchObject({ kind: 'recording', parts: 6 });
    expect(rec!.partsReused).toBeGreaterThanOrEqual(2);
    expect(rec!.sentBytes).toBeLessThanOrEqual(48 * MB - 2 * 8 * 2 ** 20);
    expect(sha256(await getBytes(s3, 'lab', key))).toBe(sha256(files['rec_0001.bin']!));
    expect(await openUploads(s3, 'lab')).toEqual([]);
  }, 180_000);

  it('Ctrl-C mid-upload: exit 130 with EINTERRUPTED, the status shows the upload under way, and a re-run resumes it', async () => {
    const root = join(work, 'sigint');
    const files = makeRoot(root, { 'rec_0001.bin': 40 * MB });
    const key = `sigint/${CAMERA}/rec_0001.bin`;
    const first = start(root, 's3://lab/sigint', ['--upload-limit', '10MB/s']);
    await waitFor(async () => (await partsInStore('lab', key)) >= 1, 'a part in the store', 60_000, 100);
    expect(await first.stop('SIGINT')).toBe(130);
    expect(JSON.parse(first.stdout())).toMatchObject({ ok: false, error: { code: 'EINTERRUPTED' } });
    const status = await uploadStatus(root, CAMERA, targetId({ bucket: 'lab', prefix: 'sigint', endpoint: ceph.endpoint, pathStyle: true }, {}));
    expect(status['rec_0001.bin']).toMatchObject({ state: 'uploading', delivered: 0, uploading: [expect.objectContaining({ key, parts: 5 })] });
    expect(status['rec_0001.bin']!.uploading[0]!.partsDone).toBeGreaterThanOrEqual(1);
    const r = await finish(start(root, 's3://lab/sigint'));
    expect(r.uploaded[0]!.partsReused).toBeGreaterThanOrEqual(1);
    expect(sha256(await getBytes(s3, 'lab', key))).toBe(sha256(files['rec_0001.bin']!));
  }, 180_000);

  it('radosgw killed mid-upload and restarted: the same run waits with backoff, resumes and completes', async () => {
    const root = join(work, 'gateway');
    const files = makeRoot(root, { 'rec_0001.bin': 40 * MB }, { 'rec_0001.rtdc': 3 * MB });
    const key = `gateway/${CAMERA}/rec_0001.bin`;
    const p = start(root, 's3://lab/gateway', ['--upload-limit', '10MB/s']);
    await waitFor(async () => (await partsInStore('lab', key)) >= 2, 'two parts in the store', 60_000, 100);
    await ceph.killGateway();
    await waitFor(() => p.stderr().includes('ESTOREUNREACHABLE'), 'omvd to notice the store is gone', 60_000);
    await ceph.startGateway();
    const r = await finish(p);
    const rec = r.uploaded.find((f) => f.kind === 'recording')!;
    expect(rec.partsReused).toBeGreaterThanOrEqual(2);
    expect(sha256(await getBytes(s3, 'lab', key))).toBe(sha256(files['rec_0001.bin']!));
    expect(sha256(await getBytes(s3, 'lab', `gateway/${CAMERA}/datasets/rec_0001.rtdc`))).toBe(sha256(files['datasets/rec_0001.rtdc']!));
    expect(await openUploads(s3, 'lab')).toEqual([]);
  }, 180_000);

  it('a network that drops every connection, twice: the parts already sent are kept and the object is byte-identical', async () => {
    const relay = await startRelay(ceph.endpoint);
    try {
      const root = join(work, 'drops');
      // Eight parts: the first four finish together, so the second cut falls among the last four.
      const files = makeRoot(root, { 'rec_0001.bin': 64 * MB });
      const key = `drops/${CAMERA}/rec_0001.bin`;
      const p = start(root, 's3://lab/drops', ['--upload-limit', '16MB/s'], relay.endpoint);
      await waitFor(async () => (await partsInStore('lab', key)) >= 1, 'a part in the store', 60_000, 100);
      expect(relay.cutAll()).toBeGreaterThan(0);
      // Cut again once the resumed upload is sending parts.
      const resumedFrom = relay.upstreamBytes();
      await waitFor(() => relay.upstreamBytes() - resumedFrom > 10 * MB && relay.open() > 0, 'the upload to send 10 MB more', 60_000, 20);
      // The short last part may be among them: it finishes first when sent beside full ones.
      const keptSizes = await partSizesInStore('lab', key);
      const kept = keptSizes.length;
      expect(relay.cutAll()).toBeGreaterThan(0);
      const r = await finish(p);
      expect(kept).toBeGreaterThanOrEqual(1);
      expect(r.uploaded[0]!.partsReused).toBeGreaterThanOrEqual(kept);
      expect(r.uploaded[0]!.sentBytes).toBeLessThanOrEqual(64 * MB - keptSizes.reduce((a, b) => a + b, 0));
      expect(p.stderr()).toContain('ESTOREUNREACHABLE');
      expect(sha256(await getBytes(s3, 'lab', key))).toBe(sha256(files['rec_0001.bin']!));
      expect(await openUploads(s3, 'lab')).toEqual([]);
    } finally {
      await relay.close();
    }
  }, 180_000);

  it('the answer to the multipart completion lost (the store did it): reported as uploaded by this run, with its figures', async () => {
    const relay = await startRelay(ceph.endpoint, { loseAnswer: (head) => /^POST [^ ]*uploadId=/.test(head), loseTimes: 3 });
    try {
      const root = join(work, 'lost-answer');
      const files = makeRoot(root, { 'rec_0001.bin': 20 * MB });
      const key = `lost-answer/${CAMERA}/rec_0001.bin`;
      const r = await finish(start(root, 's3://lab/lost-answer', [], relay.endpoint));
      expect(relay.lost()).toBe(3);
      expect(r.present).toEqual([]);
      expect(r.uploaded).toEqual([expect.objectContaining({ kind: 'recording', parts: 3, partsReused: 0, sentBytes: 20 * MB })]);
      expect(sha256(await getBytes(s3, 'lab', key))).toBe(sha256(files['rec_0001.bin']!));
      expect(await openUploads(s3, 'lab')).toEqual([]);
    } finally {
      await relay.close();
    }
  }, 180_000);

  it('--upload-limit caps the rate on the wire, and without it the same upload is faster', async () => {
    const limit = 2 * MB;
    const root = join(work, 'limit');
    makeRoot(root, { 'rec_0001.bin': 12 * MB });
    /** Bytes per second the store received, from the first byte to the last (measured by a relay in front of it). */
    const wireRate = async (prefix: string, args: string[]): Promise<number> => {
      const relay = await startRelay(ceph.endpoint);
      try {
        const r = await finish(start(root, `s3://lab/${prefix}`, args, relay.endpoint));
        expect(r.sentBytes).toBe(12 * MB);
        return relay.upstreamBytes() / relay.upstreamSeconds();
      } finally {
        await relay.close();
      }
    };
    const limited = await wireRate('limited', ['--upload-limit', '2MB/s']);
    const free = await wireRate('free', []);
    expect(limited / limit).toBeLessThanOrEqual(1.05);
    expect(limited / limit).toBeGreaterThan(0.5);
    expect(free / limit).toBeGreaterThan(2);
  }, 180_000);
});
