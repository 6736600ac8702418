import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, mkdirSync, mkdtempSync, openSync, closeSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { openStore } from '../host/upload/client.js';
import { Uploader } from '../host/upload/upload.js';
import { startCeph } from '../test/support/ceph.js';
import { fmt } from './measure.js';

const MB = 1e6;
const PART = 8 * 2 ** 20;
const QUEUE = 4;
const CAMERA = 'BE0C00000000000000000001';

/** A verified recording of `bytes` random bytes in a sync root, as omvd sync leaves it; returns its path. */
function makeRoot(root: string, bytes: number): string {
  const dir = join(root, CAMERA);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'rec_0001.bin');
  const block = randomBytes(MB);
  const hash = createHash('sha256');
  const fd = openSync(path, 'w');
  for (let at = 0; at < bytes; at += block.length) {
    const piece = block.subarray(0, Math.min(block.length, bytes - at));
    piece[0] = at / MB; // no two blocks alike
    writeSync(fd, piece);
    hash.update(piece);
  }
  closeSync(fd);
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ camera: { id: CAMERA }, recordings: { 'rec_0001.bin': { size: bytes, sha256: hash.digest('hex'), frames: null, syncedAt: new Date().toISOString() } } }));
  return path;
}

/** Wall seconds and CPU seconds (user + system) of one run. */
async function timed(run: () => Promise<void>): Promise<{ seconds: number; cpu: number }> {
  const cpu = process.cpuUsage();
  const t = process.hrtime.bigint();
  await run();
  const used = process.cpuUsage(cpu);
  return { seconds: Number(process.hrtime.bigint() - t) / 1e9, cpu: (used.user + used.system) / 1e6 };
}

/**
 * bench/upload: one file into a throwaway radosgw on loopback, by omvd's engine (Content-MD5 per part, SHA-256
 * of the bytes, HeadObject before and after, a ledger fsynced per part) against @aws-sdk/lib-storage's Upload
 * alone with the same part size and parts in flight. Best of three each, interleaved; host CPU per 100 MB.
 */
export async function upload(): Promise<string[]> {
  const size = Number(process.env.OMVD_BENCH_UPLOAD_MB ?? 200) * MB;
  const work = mkdtempSync(join(tmpdir(), 'omvd-bench-upload-'));
  const ceph = await startCeph();
  const credentials = { accessKeyId: ceph.accessKey, secretAccessKey: ceph.secretKey };
  const s3 = new S3Client({ endpoint: ceph.endpoint, region: 'us-east-1', forcePathStyle: true, credentials, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
  try {
    await s3.send(new CreateBucketCommand({ Bucket: 'bench' }));
    const root = join(work, 'root');
    const file = makeRoot(root, size);
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: ceph.accessKey, AWS_SECRET_ACCESS_KEY: ceph.secretKey });
    const best = { omvd: { seconds: Infinity, cpu: Infinity }, lib: { seconds: Infinity, cpu: Infinity } };
    for (let run = 0; run < 3; run++) {
      const lib = await timed(() => new Upload({ client: s3, params: { Bucket: 'bench', Key: `lib/${run}/rec_0001.bin`, Body: createReadStream(file) }, partSize: PART, queueSize: QUEUE }).done().then(() => undefined));
      const store = await openStore({ bucket: 'bench', prefix: `omvd/${run}`, endpoint: ceph.endpoint, pathStyle: true });
      const ours = await timed(async () => {
        const r = await new Uploader(store, { partSize: PART, concurrency: QUEUE }).uploadVerified(root, CAMERA, 'rec_0001.bin');
        if (r.failed.length || r.files[0]?.state !== 'uploaded') throw new Error(`omvd upload failed: ${JSON.stringify(r.failed)}`);
      });
      store.close();
      for (const [name, t] of [['lib', lib], ['omvd', ours]] as const) if (t.seconds < best[name].seconds) best[name] = t;
    }
    const rate = (t: { seconds: number }): number => size / MB / t.seconds;
    const per100 = (t: { cpu: number }): number => (t.cpu * 100 * MB) / size;
    return [
      `upload ${fmt(size / MB, 0)} MB to radosgw on loopback: ${fmt(rate(best.omvd))} MB/s vs @aws-sdk/lib-storage alone ${fmt(rate(best.lib))} MB/s: ${fmt((100 * rate(best.omvd)) / rate(best.lib), 0)}% (target ≥ 90%)`,
      `upload host CPU ${fmt(per100(best.omvd), 2)} s per 100 MB (lib-storage alone: ${fmt(per100(best.lib), 2)} s, which signs each part's SHA-256 where omvd streams parts under Content-MD5)`,
    ];
  } finally {
    s3.destroy();
    await ceph.stop();
    rmSync(work, { recursive: true, force: true });
  }
}
