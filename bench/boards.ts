import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HEADER_SIZE, TRAILER_SIZE } from '../protocol/v2/index.js';
import { connectCamera } from '../host/discovery/connect.js';
import { BOARD_IDS, BOARDS, type BoardId } from '../host/sim/boards.js';
import { fetchCatalog, FileIoctl, OMVD_CHANNELS } from '../host/sync/catalog.js';
import { syncCamera } from '../host/sync/engine.js';
import { fmt, writeRecording } from './measure.js';

const REPO = resolve(fileURLToPath(import.meta.url), '../..');
const MB = 1e6;
/** What the host asks per CHANNEL_READ (host/v2/client.ts MAX_READ). */
const READ = 32 * 1024;
/** A CHANNEL_READ request on the wire: header, 8 bytes of offset and length, CRC-32. */
const REQUEST = HEADER_SIZE + 8 + TRAILER_SIZE;


async function startSim(work: string, board: BoardId): Promise<{ path: string; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'host/cli/main.ts'), 'sim', '--json', '--quiet', '--board', board, '--pty', join(work, 'cam'), '--sd', join(work, 'sd')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((ok, fail) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) ok(out.split('\n')[0]!);
    });
    child.once('exit', (code) => fail(new Error(`omvd sim --board ${board} exited (${code})`)));
  });
  return {
    path: (JSON.parse(line) as { path: string }).path,
    stop: () => new Promise((ok) => (child.once('exit', () => ok()), child.kill('SIGINT'))),
  };
}

/** Payload bytes per wire byte of one 32 KiB read at `maxPayload`: what the protocol allows omvd's reads. */
function readEfficiency(maxPayload: number): number {
  return READ / (READ + Math.ceil(READ / maxPayload) * (HEADER_SIZE + TRAILER_SIZE) + REQUEST);
}

/**
 * bench/boards: for each board profile of the virtual camera (its own process, on a pty, its USB speed modelled),
 * a sync of a recording worth `OMVD_BENCH_BOARDS_S` seconds of its link (default 8), as a fraction of the modelled
 * link, against a bare CHANNEL_READ loop on the same camera in the same run; and the sync's wire efficiency
 * against the best the protocol allows at the negotiated payload.
 */
export async function boards(): Promise<string[]> {
  const seconds = Number(process.env.OMVD_BENCH_BOARDS_S ?? 8);
  const wanted = (process.env.OMVD_BENCH_BOARDS ?? BOARD_IDS.join(',')).split(',') as BoardId[];
  const lines: string[] = [];
  for (const id of wanted) {
    const board = BOARDS[id];
    const work = mkdtempSync(join(tmpdir(), `omvd-bench-boards-${id}-`));
    mkdirSync(join(work, 'sd'));
    const total = writeRecording(join(work, 'sd', 'rec_0001.bin'), board.linkBytesPerS * seconds);
    const sim = await startSim(work, id);
    const conn = await connectCamera(sim.path);
    const client = conn.client;
    try {
      for (let i = 0; !(await fetchCatalog(client)).recordings[0]?.sha256; i++) {
        if (i > 1200) throw new Error(`the virtual ${id} did not hash its recording within 2 minutes`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const file = client.channelId(OMVD_CHANNELS.file)!;
      await client.ioctl(file, FileIoctl.SELECT, new TextEncoder().encode('rec_0001.bin'));
      const bareBytes = Math.min(total, Math.round(board.linkBytesPerS * seconds * 0.5));
      let t = process.hrtime.bigint();
      for (let at = 0; at < bareBytes; at += READ) await client.read(file, at, Math.min(READ, bareBytes - at));
      const bare = bareBytes / (Number(process.hrtime.bigint() - t) / 1e9);
      const before = { ...client.link.stats };
      t = process.hrtime.bigint();
      const summary = await syncCamera(client, join(work, 'root'));
      const rate = total / (Number(process.hrtime.bigint() - t) / 1e9);
      if (summary.synced.length !== 1) throw new Error(`sync from the virtual ${id} failed: ${JSON.stringify(summary.failed)}`);
      const s = client.link.stats;
      const wire = s.wireBytesIn - before.wireBytesIn + (s.wireBytesOut - before.wireBytesOut);
      const efficiency = (s.payloadBytesIn - before.payloadBytesIn) / wire;
      const payload = client.camera.caps.maxPayload;
      const best = payload / (payload + HEADER_SIZE + TRAILER_SIZE);
      const target = board.usbSpeed === 'full' ? 95 : 90;
      lines.push(
        `boards ${id.padEnd(8)} ${board.usbSpeed} speed, link ${fmt(board.linkBytesPerS / MB)} MB/s, ${payload}-byte payloads: sync ${fmt(rate / MB, 2)} MB/s = ${fmt((100 * rate) / board.linkBytesPerS, 1)}% of the link ` +
          `(target ≥ ${target}%), bare CHANNEL_READ loop ${fmt(bare / MB, 2)} MB/s (${fmt((100 * rate) / bare, 0)}%); wire efficiency ${fmt(100 * efficiency, 2)}% ` +
          `(best at this payload ${fmt(100 * best, 2)}%, with 32 KiB reads ${fmt(100 * readEfficiency(payload), 2)}%)`,
      );
    } finally {
      await conn.close().catch(() => {});
      await sim.stop();
      rmSync(work, { recursive: true, force: true });
    }
  }
  return lines;
}
