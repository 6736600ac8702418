import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ImageIoWriter } from '../protocol/imageio/index.js';
import { Pixformat } from '../protocol/imageio/pixformat.js';
import { connectCamera } from '../host/discovery/connect.js';
import { fetchCatalog, FileIoctl, OMVD_CHANNELS } from '../host/sync/catalog.js';
import { syncCamera } from '../host/sync/engine.js';
import { fmt } from './measure.js';

const REPO = resolve(fileURLToPath(import.meta.url), '../..');
const MB = 1e6;

/** A recording of `bytes` (about) of 320×240 grayscale frames, written without holding it in memory. */
function writeRecording(path: string, bytes: number): number {
  const fd = openSync(path, 'w');
  const writer = new ImageIoWriter();
  writeSync(fd, writer.header());
  const data = new Uint8Array(320 * 240);
  for (let i = 0; writer.bytesWritten < bytes; i++) {
    data.fill(i & 0xff, 0, 1024);
    writeSync(fd, writer.frame({ elapsedMs: 33, width: 320, height: 240, pixformat: Pixformat.GRAYSCALE, data }));
  }
  closeSync(fd);
  return writer.bytesWritten;
}

async function startSim(work: string): Promise<{ path: string; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'host/cli/main.ts'), 'sim', '--json', '--quiet', '--pty', join(work, 'cam'), '--sd', join(work, 'sd')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((ok, fail) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) ok(out.split('\n')[0]!);
    });
    child.once('exit', (code) => fail(new Error(`omvd sim exited (${code})`)));
  });
  return {
    path: (JSON.parse(line) as { path: string }).path,
    stop: () => new Promise((ok) => (child.once('exit', () => ok()), child.kill('SIGINT'))),
  };
}

/**
 * bench/sync: the virtual camera in its own process on a pty, the host here. (a) sync rate against a bare loop of
 * CHANNEL_READs that discards the data, same camera, same pty; (b) wire efficiency of the sync; (c) host CPU per
 * 100 MB and peak RSS while syncing the whole recording.
 */
export async function sync(): Promise<string[]> {
  const size = Number(process.env.OMVD_BENCH_SYNC_MB ?? 200) * MB;
  const work = mkdtempSync(join(tmpdir(), 'omvd-bench-sync-'));
  const { mkdirSync } = await import('node:fs');
  mkdirSync(join(work, 'sd'));
  const total = writeRecording(join(work, 'sd', 'rec_0001.bin'), size);
  const sim = await startSim(work);
  const conn = await connectCamera(sim.path, { timeoutMs: 5000 });
  const client = conn.client;
  try {
    for (let i = 0; ; i++) {
      const rec = (await fetchCatalog(client)).recordings[0];
      if (rec?.sha256) break;
      if (i > 1200) throw new Error('the virtual camera did not hash the recording within 2 minutes');
      await new Promise((r) => setTimeout(r, 100));
    }
    const file = client.channelId(OMVD_CHANNELS.file)!;
    await client.ioctl(file, FileIoctl.SELECT, new TextEncoder().encode('rec_0001.bin'));
    const bareBytes = Math.min(total, 64 * MB);
    const chunk = 32 * 1024;
    let t = process.hrtime.bigint();
    for (let at = 0; at < bareBytes; at += chunk) await client.read(file, at, Math.min(chunk, bareBytes - at));
    const bareRate = bareBytes / MB / (Number(process.hrtime.bigint() - t) / 1e9);

    const before = { ...client.link.stats };
    const rssBase = process.memoryUsage().rss;
    let rssPeak = rssBase;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 50);
    const cpu = process.cpuUsage();
    t = process.hrtime.bigint();
    const summary = await syncCamera(client, join(work, 'root'));
    const seconds = Number(process.hrtime.bigint() - t) / 1e9;
    const used = process.cpuUsage(cpu);
    clearInterval(sampler);
    if (summary.synced.length !== 1) throw new Error(`sync failed: ${JSON.stringify(summary.failed)}`);
    const syncRate = total / MB / seconds;
    const s = client.link.stats;
    const payload = s.payloadBytesIn - before.payloadBytesIn;
    const wire = s.wireBytesIn - before.wireBytesIn + (s.wireBytesOut - before.wireBytesOut);
    const cpuPer100 = ((used.user + used.system) / 1e6) * (100 * MB / total);
    // The same bare loop with per-packet ACKs negotiated on (the protocol's default): stop-and-wait per fragment.
    await conn.close();
    const acked = await connectCamera(sim.path, { timeoutMs: 5000, caps: { ack: true } });
    const ackFile = acked.client.channelId(OMVD_CHANNELS.file)!;
    await acked.client.ioctl(ackFile, FileIoctl.SELECT, new TextEncoder().encode('rec_0001.bin'));
    const ackBytes = Math.min(total, 16 * MB);
    t = process.hrtime.bigint();
    for (let at = 0; at < ackBytes; at += chunk) await acked.client.read(ackFile, at, Math.min(chunk, ackBytes - at));
    const ackRate = ackBytes / MB / (Number(process.hrtime.bigint() - t) / 1e9);
    await acked.close();
    return [
      `sync  bare CHANNEL_READ loop with per-packet ACKs on: ${fmt(ackRate)} MB/s, off: ${fmt(bareRate)} MB/s (${fmt(bareRate / ackRate, 1)}×): omvd negotiates them off`,
      `sync  ${fmt(total / MB, 0)} MB over a pty: ${fmt(syncRate)} MB/s vs bare CHANNEL_READ loop ${fmt(bareRate)} MB/s: ${fmt((100 * syncRate) / bareRate, 0)}% (target ≥ 90%)`,
      `sync  wire efficiency: ${fmt((100 * payload) / wire, 2)}% payload bytes / bytes on the wire (target ≥ 99%)`,
      `sync  host CPU ${fmt(cpuPer100, 2)} s per 100 MB; RSS ${fmt(rssBase / MB, 0)} MB before, peak ${fmt(rssPeak / MB, 0)} MB during (target flat, ≤ 150 MB)`,
    ];
  } finally {
    await conn.close().catch(() => {});
    await sim.stop();
    rmSync(work, { recursive: true, force: true });
  }
}
