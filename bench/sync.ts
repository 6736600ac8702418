import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectCamera } from '../host/discovery/connect.js';
import { fetchCatalog, FileIoctl, OMVD_CHANNELS } from '../host/sync/catalog.js';
import { syncCamera } from '../host/sync/engine.js';
import { busyCores } from '../test/support/busy.js';
import { noisyPty } from '../test/support/noisy-link.js';
import { fmt, writeRecording } from './measure.js';

const REPO = resolve(fileURLToPath(import.meta.url), '../..');
const MB = 1e6;


const OMVD = join(REPO, 'dist/host/cli/main.js');

/** The virtual camera, a high-speed RT1062 (so that the pty, not a modelled USB link, is the limit), at a higher priority (as root): it stands for a camera's own processor, which host load does not slow. */
async function startSim(work: string, sd = join(work, 'sd'), pty = join(work, 'cam')): Promise<{ path: string; stop(): Promise<void> }> {
  const child = spawn('nice', ['-n', '-10', process.execPath, OMVD, 'sim', '--json', '--quiet', '--board', 'RT1062', '--pty', pty, '--sd', sd], { stdio: ['ignore', 'pipe', 'inherit'] });
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

/** Seconds `omvd sync --once` takes to mirror everything the camera on `port` has into a new root (as a user runs it). */
async function cliSync(port: string, root: string): Promise<number> {
  const t = process.hrtime.bigint();
  const child = spawn(process.execPath, [OMVD, 'sync', '--port', port, '--root', root, '--once', '--json', '--no-export'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), 30 * 60_000);
  const code = await new Promise<number | null>((ok) => child.once('exit', ok));
  clearTimeout(killer);
  if (code !== 0) throw new Error(`omvd sync --once exited ${code}: ${out}`);
  return Number(process.hrtime.bigint() - t) / 1e9;
}

/** Waits until the camera on `port` has hashed every recording (as `omvd ls` shows), so a timed sync need not wait for it. */
async function hashed(port: string): Promise<void> {
  for (const end = Date.now() + 10 * 60_000; Date.now() < end; await new Promise((r) => setTimeout(r, 200))) {
    const r = spawnSync(process.execPath, [OMVD, 'ls', '--port', port, '--json'], { encoding: 'utf8', timeout: 120_000 });
    const cams = r.status === 0 ? (JSON.parse(r.stdout) as { cameras: { recordings: { sha256: string | null }[] }[] }).cameras : [];
    if (cams.length > 0 && cams.every((c) => c.recordings.length > 0 && c.recordings.every((x) => x.sha256))) return;
  }
  throw new Error(`the camera on ${port} did not hash its recordings within 10 minutes`);
}

/** A camera of its own with one recording of about `bytes`, ready to sync. */
export async function cameraWith(work: string, name: string, bytes: number): Promise<{ path: string; bytes: number; stop(): Promise<void> }> {
  const { mkdirSync } = await import('node:fs');
  mkdirSync(join(work, `sd-${name}`));
  const size = writeRecording(join(work, `sd-${name}`, 'rec_0001.bin'), bytes);
  const sim = await startSim(work, join(work, `sd-${name}`), join(work, `cam-${name}`));
  await hashed(sim.path);
  return { ...sim, bytes: size };
}

/**
 * (d) sync through a pump that damages one byte in a thousand against the same pump undamaged (a big recording for
 * the clean line and a small one for the noisy line, so neither figure is mostly start-up); (e) sync with every core
 * kept busy by other processes against the same sync idle. Both through the CLI, as a user runs it.
 */
async function noiseAndLoad(work: string): Promise<string[]> {
  const rates: number[] = [];
  for (const [rate, mb] of [[0, Number(process.env.OMVD_BENCH_CLEAN_MB ?? 16)], [1e-3, Number(process.env.OMVD_BENCH_NOISY_MB ?? 1)]] as const) {
    const cam = await cameraWith(work, `line-${rate}`, mb * MB);
    try {
      const line = await noisyPty(cam.path, join(work, `noisy-${rate}`), rate, 5);
      try {
        rates.push(cam.bytes / MB / (await cliSync(line.path, join(work, `root-${rate}`))));
      } finally {
        await line.close();
      }
    } finally {
      await cam.stop();
    }
  }
  const cam = await cameraWith(work, 'load', Number(process.env.OMVD_BENCH_BUSY_MB ?? 32) * MB);
  let idle: number;
  let loaded: number;
  try {
    idle = cam.bytes / MB / (await cliSync(cam.path, join(work, 'idle')));
    const busy = busyCores(3);
    try {
      loaded = cam.bytes / MB / (await cliSync(cam.path, join(work, 'busy')));
    } finally {
      await busy.stop();
    }
  } finally {
    await cam.stop();
  }
  return [
    `sync  over a line damaging 1 byte in 1000 (drop/flip/insert, both ways): ${fmt(rates[1]!, 3)} MB/s vs the same pump clean ${fmt(rates[0]!)} MB/s: ${fmt((100 * rates[1]!) / rates[0]!, 1)}% (target ≥ 80%)`,
    `sync  with both cores busy (3 spinning processes, the camera at its own priority): ${fmt(loaded)} MB/s vs idle ${fmt(idle)} MB/s: ${fmt((100 * loaded) / idle, 0)}% (${fmt(cam.bytes / MB, 0)} MB via the CLI)`,
  ];
}

/**
 * bench/sync: the virtual camera in its own process on a pty, the host here. (a) sync rate against a bare loop of
 * CHANNEL_READs that discards the data, same camera, same pty; (b) wire efficiency of the sync; (c) host CPU per
 * 100 MB (against that bare loop's) and peak RSS while syncing the whole recording.
 */
export async function sync(): Promise<string[]> {
  const size = Number(process.env.OMVD_BENCH_SYNC_MB ?? 200) * MB;
  const work = mkdtempSync(join(tmpdir(), 'omvd-bench-sync-'));
  const { mkdirSync } = await import('node:fs');
  mkdirSync(join(work, 'sd'));
  const total = writeRecording(join(work, 'sd', 'rec_0001.bin'), size);
  spawnSync(process.execPath, [join(REPO, 'node_modules/typescript/bin/tsc'), '-p', join(REPO, 'tsconfig.build.json')], { stdio: 'inherit', timeout: 120_000 });
  const sim = await startSim(work);
  const conn = await connectCamera(sim.path);
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
    const bareCpu = process.cpuUsage();
    let t = process.hrtime.bigint();
    for (let at = 0; at < bareBytes; at += chunk) await client.read(file, at, Math.min(chunk, bareBytes - at));
    const bareRate = bareBytes / MB / (Number(process.hrtime.bigint() - t) / 1e9);
    const bareUsed = process.cpuUsage(bareCpu);
    const bareCpuPer100 = ((bareUsed.user + bareUsed.system) / 1e6) * (100 * MB / bareBytes);

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
    const acked = await connectCamera(sim.path, { caps: { ack: true } });
    const ackFile = acked.client.channelId(OMVD_CHANNELS.file)!;
    await acked.client.ioctl(ackFile, FileIoctl.SELECT, new TextEncoder().encode('rec_0001.bin'));
    const ackBytes = Math.min(total, 16 * MB);
    t = process.hrtime.bigint();
    for (let at = 0; at < ackBytes; at += chunk) await acked.client.read(ackFile, at, Math.min(chunk, ackBytes - at));
    const ackRate = ackBytes / MB / (Number(process.hrtime.bigint() - t) / 1e9);
    await acked.close();
    const more = await noiseAndLoad(work);
    return [
      `sync  bare CHANNEL_READ loop with per-packet ACKs on: ${fmt(ackRate)} MB/s, off: ${fmt(bareRate)} MB/s (${fmt(bareRate / ackRate, 1)}×): omvd negotiates them off`,
      `sync  ${fmt(total / MB, 0)} MB over a pty: ${fmt(syncRate)} MB/s vs bare CHANNEL_READ loop ${fmt(bareRate)} MB/s: ${fmt((100 * syncRate) / bareRate, 0)}% (target ≥ 90%)`,
      `sync  wire efficiency: ${fmt((100 * payload) / wire, 2)}% payload bytes / bytes on the wire (target ≥ 99%)`,
      `sync  host CPU ${fmt(cpuPer100, 2)} s per 100 MB (the bare CHANNEL_READ loop, reads and framing only: ${fmt(bareCpuPer100, 2)} s); RSS ${fmt(rssBase / MB, 0)} MB before, peak ${fmt(rssPeak / MB, 0)} MB during (target flat, ≤ 150 MB)`,
      ...more,
    ];
  } finally {
    await conn.close().catch(() => {});
    await sim.stop();
    rmSync(work, { recursive: true, force: true });
  }
}
