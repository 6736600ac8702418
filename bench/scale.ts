import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { constants, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { ReadStream } from 'node:tty';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt } from './measure.js';
import { cameraWith } from './sync.js';

const REPO = resolve(fileURLToPath(import.meta.url), '../..');
const OMVD = join(REPO, 'dist/host/cli/main.js');
const MB = 1e6;
const TICK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim() || 100);

/** CPU seconds (user + system) the process `pid` has used so far. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICK;
}

// A pty whose device side a reader opens; once told, it writes the given bytes in 4 KB writes as fast as it can.
const PTY_WRITER = `import os, pty, sys, tty
m, s = pty.openpty()
tty.setraw(s)
print(os.ttyname(s), flush=True)
sys.stdin.readline()
chunk = bytes(4096)
for _ in range(int(sys.argv[1]) // 4096):
    os.write(m, chunk)
sys.stdin.readline()
`;

/**
 * The least CPU a Node process here spends to read `bytes` off a pty, in seconds per 100 MB: Node's own tty stream
 * (epoll, no thread pool), fed in full 4 KB reads as fast as a writer makes them, the bytes thrown away.
 */
async function ptyReadFloor(about: number): Promise<number> {
  const bytes = Math.floor(about / 4096) * 4096;
  const writer = spawn('python3', ['-c', PTY_WRITER, String(bytes)], { stdio: ['pipe', 'pipe', 'inherit'], timeout: 120_000 });
  try {
    const path = await new Promise<string>((ok, fail) => {
      writer.stdout!.once('data', (d: Buffer) => ok(d.toString().trim()));
      writer.once('exit', (code) => fail(new Error(`bench/scale: the pty writer exited (${code})`)));
    });
    const stream = new ReadStream(openSync(path, constants.O_RDWR | constants.O_NOCTTY));
    const cpu = process.cpuUsage();
    let got = 0;
    await new Promise<void>((ok) => {
      stream.on('data', (d: Buffer) => (got += d.length) >= bytes && ok());
      writer.stdin!.write('go\n');
    });
    const used = process.cpuUsage(cpu);
    stream.destroy();
    return (((used.user + used.system) / 1e6) * 100 * MB) / bytes;
  } finally {
    writer.kill();
  }
}

interface Run {
  /** Per camera port: seconds from its connection to its recording synced. */
  seconds: Map<string, number>;
  /** The daemon's CPU seconds from its API's start to the last recording synced (its start-up left out). */
  cpu: number;
}

/**
 * One `omvd daemon` serving `ports` (as a user runs it), each camera holding one recording; timed from each camera's
 * `camera.connected` event to its `recording.synced`, read from the daemon's event stream on its socket.
 */
async function daemonRun(work: string, name: string, ports: string[]): Promise<Run> {
  const socket = join(work, `run-${name}`, 'daemon.sock');
  const daemon: ChildProcess = spawn(process.execPath, [OMVD, 'daemon', ...ports.flatMap((p) => ['--port', p]), '--root', join(work, `root-${name}`), '--no-export', '--page-port', '0'], {
    env: { ...process.env, OMVD_SOCKET: socket, OMVD_LOG_LEVEL: process.env.OMVD_LOG_LEVEL ?? 'warn' }, // its warnings and errors only
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const killer = setTimeout(() => daemon.kill('SIGKILL'), 30 * 60_000);
  try {
    const connectedAt = new Map<string, number>();
    const byCamera = new Map<string, string>();
    const seconds = new Map<string, number>();
    let cpuStart = 0;
    let cpuEnd = 0;
    let opened = 0;
    for (let tries = 0; ; tries++) {
      const done = await new Promise<boolean>((ok, fail) => {
        const req = request({ socketPath: socket, path: '/api/v1/events', headers: { accept: 'application/x-ndjson' } }, (res) => {
          // A camera may connect before the stream opens: its time then counts from here (a little in its favour).
          opened = performance.now();
          cpuStart = cpuSeconds(daemon.pid!);
          let buf = '';
          res.on('data', (d: Buffer) => {
            buf += d.toString();
            for (let at = buf.indexOf('\n'); at >= 0; at = buf.indexOf('\n')) {
              const e = JSON.parse(buf.slice(0, at)) as { type: string; camera: string; port?: string };
              buf = buf.slice(at + 1);
              if (e.type === 'camera.connected') {
                connectedAt.set(e.port!, performance.now());
                byCamera.set(e.camera, e.port!);
              } else if (e.type === 'recording.synced') {
                const port = byCamera.get(e.camera) ?? ports.find((p) => !connectedAt.has(p) && !seconds.has(p))!;
                seconds.set(port, (performance.now() - (connectedAt.get(port) ?? opened)) / 1000);
                if (seconds.size === ports.length) {
                  cpuEnd = cpuSeconds(daemon.pid!);
                  req.destroy();
                  ok(true);
                }
              } else if (e.type === 'sync.failed' || e.type === 'error') fail(new Error(`bench/scale: ${JSON.stringify(e)}`));
            }
          });
        });
        req.on('error', () => ok(false)); // not listening yet
        req.end();
      });
      if (done) break;
      if (tries > 600) throw new Error('bench/scale: the daemon did not serve its socket within a minute');
      await new Promise((r) => setTimeout(r, 100));
    }
    return { seconds, cpu: cpuEnd - cpuStart };
  } finally {
    clearTimeout(killer);
    await new Promise<void>((ok) => (daemon.once('exit', () => ok()), daemon.kill('SIGINT')));
  }
}

/**
 * bench/scale: OMVD_BENCH_SCALE_CAMERAS virtual cameras (default 8; RT1062s, each in its own process at a higher
 * priority, as a camera's own processor), one daemon syncing them all: each camera's rate against one camera synced
 * alone by the same daemon, the slowest against the mean, and the daemon's CPU per 100 MB against the least any
 * reader here spends just reading that much off a pty.
 */
export async function scale(): Promise<string[]> {
  const n = Number(process.env.OMVD_BENCH_SCALE_CAMERAS ?? 8);
  const size = Number(process.env.OMVD_BENCH_SCALE_MB ?? 16) * MB;
  const work = mkdtempSync(join(tmpdir(), 'omvd-bench-scale-'));
  spawnSync(process.execPath, [join(REPO, 'node_modules/typescript/bin/tsc'), '-p', join(REPO, 'tsconfig.build.json')], { stdio: 'inherit', timeout: 120_000 });
  const cams: Awaited<ReturnType<typeof cameraWith>>[] = [];
  try {
    for (let i = 0; i < n; i++) cams.push(await cameraWith(work, `c${i}`, size));
    const bytes = cams[0]!.bytes;
    const solo = await daemonRun(work, 'solo', [cams[0]!.path]);
    const soloRate = bytes / MB / solo.seconds.get(cams[0]!.path)!;
    const all = await daemonRun(work, 'all', cams.map((c) => c.path));
    const rates = cams.map((c) => c.bytes / MB / all.seconds.get(c.path)!);
    const mean = rates.reduce((a, b) => a + b, 0) / rates.length;
    const slowest = Math.min(...rates);
    const total = cams.reduce((a, c) => a + c.bytes, 0);
    const floor = await ptyReadFloor(100 * MB);
    return [
      `scale ${n} cameras, one daemon, ${fmt(bytes / MB, 0)} MB each: per camera ${rates.map((r) => fmt(r, 2)).join(', ')} MB/s; solo ${fmt(soloRate, 2)} MB/s: mean ${fmt((100 * mean) / soloRate, 0)}% of solo, all together ${fmt(rates.reduce((a, b) => a + b, 0), 2)} MB/s`,
      `scale slowest camera ${fmt((100 * slowest) / mean, 0)}% of the mean (target ≥ 80%)`,
      `scale daemon CPU ${fmt((all.cpu * 100 * MB) / total, 2)} s per 100 MB with ${n} cameras, ${fmt((solo.cpu * 100 * MB) / bytes, 2)} s with one (target ≤ 0.6); reading alone, full 4 KB reads off a pty with Node's tty stream: ${fmt(floor, 2)} s`,
    ];
  } finally {
    for (const c of cams) await c.stop();
    rmSync(work, { recursive: true, force: true });
  }
}
