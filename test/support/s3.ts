import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { Ceph } from './ceph.js';

/** A client of the test cluster, as a user with `key`/`secret` (default: the cluster's S3 user). */
export function s3Client(ceph: Ceph, endpoint = ceph.endpoint, key = ceph.accessKey, secret = ceph.secretKey): S3Client {
  return new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: key, secretAccessKey: secret }, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
}

export async function makeBucket(s3: S3Client, bucket: string): Promise<void> {
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
}

export async function listKeys(s3: S3Client, bucket: string, prefix = ''): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }));
    keys.push(...(page.Contents ?? []).map((o) => o.Key!));
    token = page.NextContinuationToken;
  } while (token);
  return keys.sort();
}

export async function getBytes(s3: S3Client, bucket: string, key: string): Promise<Buffer> {
  const r = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await r.Body!.transformToByteArray());
}

export async function headObject(s3: S3Client, bucket: string, key: string): Promise<{ size: number; meta: Record<string, string>; lastModified: Date }> {
  const h = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  return { size: h.ContentLength!, meta: h.Metadata ?? {}, lastModified: h.LastModified! };
}

/** Multipart uploads still open in a bucket (a finished delivery leaves none). */
export async function openUploads(s3: S3Client, bucket: string): Promise<string[]> {
  const r = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
  return (r.Uploads ?? []).map((u) => u.Key!);
}

/** A loopback TCP relay in front of the store: counts the bytes sent to it and can cut every connection. */
export interface Relay {
  endpoint: string;
  /** Bytes that went from clients to the store so far. */
  upstreamBytes(): number;
  /** Seconds from the first byte sent to the store to the last (0 before two arrived). */
  upstreamSeconds(): number;
  /** Connections open now. */
  open(): number;
  /** Destroys every open connection (a network that drops them); new ones are relayed as before. */
  cutAll(): number;
  /** Requests whose answer was lost (see `loseAnswer`). */
  lost(): number;
  close(): Promise<void>;
}

export interface RelayOptions {
  /**
   * For a request whose start (request line and headers) this matches: the request reaches the store, which
   * carries it out, but the connection is cut as its answer begins, so the client never sees it.
   */
  loseAnswer?: (head: string) => boolean;
  /** How many answers to lose that way (1 unless told). */
  loseTimes?: number;
}

export async function startRelay(target: string, options: RelayOptions = {}): Promise<Relay> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  let upstream = 0;
  let first = 0;
  let last = 0;
  let lost = 0;
  const server: Server = createServer((client) => {
    const store = connect(Number(port), hostname);
    for (const s of [client, store]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.on('data', (d: Buffer) => {
      upstream += d.length;
      last = performance.now();
      first ||= last;
      if (lost < (options.loseTimes ?? 1) && options.loseAnswer?.(d.subarray(0, 2048).toString('latin1'))) {
        store.unpipe(client);
        store.once('data', () => {
          lost++;
          client.resetAndDestroy();
          store.destroy();
        });
        store.resume(); // unpipe paused it
      }
    });
    client.pipe(store);
    store.pipe(client);
    client.on('close', () => store.destroy());
    store.on('close', () => client.destroy());
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    upstreamBytes: () => upstream,
    upstreamSeconds: () => (last - first) / 1000,
    open: () => sockets.size / 2,
    lost: () => lost,
    cutAll: () => {
      const n = sockets.size;
      for (const s of sockets) s.resetAndDestroy();
      return n;
    },
    close: () =>
      new Promise((ok) => {
        for (const s of sockets) s.destroy();
        server.close(() => ok());
      }),
  };
}
