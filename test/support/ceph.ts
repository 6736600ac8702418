import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from './tools.js';

const run = promisify(execFile);
const STEP_TIMEOUT_MS = 60_000;
const PACKAGES = 'radosgw ceph-mon ceph-osd ceph-common';

/** A throwaway single-node Ceph cluster with radosgw, all of it in one temp folder (../shared/reference/s3-ceph.md). */
export interface Ceph {
  /** http://127.0.0.1:PORT, the S3 endpoint. */
  endpoint: string;
  accessKey: string;
  secretKey: string;
  dir: string;
  /** Runs radosgw-admin on the cluster (users, quotas) and returns its output. */
  admin(...args: string[]): Promise<string>;
  /** SIGKILLs radosgw (mon and OSD keep the data) and waits for it to be gone. */
  killGateway(): Promise<void>;
  /** Starts radosgw again on the same port and waits until S3 answers. */
  startGateway(): Promise<void>;
  /** SIGKILLs every daemon by its PID and deletes the folder. */
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => ok(port));
    });
  });
}

async function tool(dir: string, command: string, args: string[]): Promise<string> {
  try {
    return (await run(command, args, { cwd: dir, timeout: STEP_TIMEOUT_MS, killSignal: 'SIGKILL' })).stdout;
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string };
    if (err.code === 'ENOENT') throw new Error(`${command} is required for the S3 tests: apt-get install ${PACKAGES} (.ci/run does)`);
    throw new Error(`${command} ${args.join(' ')} failed: ${err.stderr ?? err.message}`);
  }
}

function config(dir: string, fsid: string, monPort: number, rgwPort: number): string {
  return `[global]
fsid = ${fsid}
mon host = [v2:127.0.0.1:${monPort}]
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind ipv4 = true
ms bind ipv6 = false
ms bind msgr1 = false
keyring = ${dir}/keyring
run dir = ${dir}/run
admin socket = ${dir}/run/$name.asok
log file = ${dir}/log/$name.log
mon data = ${dir}/$name
osd data = ${dir}/$name
osd objectstore = memstore
memstore device bytes = ${3 * 1024 ** 3}
osd pool default size = 1
osd pool default min size = 1
mon allow pool size one = true
osd crush chooseleaf type = 0
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon max pg per osd = 1000
mon data avail crit = 0
paxos propose interval = 0.01
rgw gc obj min wait = 10
rgw gc processor period = 10

[client.rgw]
rgw frontends = beast endpoint=127.0.0.1:${rgwPort}
rgw data = ${dir}/rgw
`;
}

/**
 * Starts one monitor, one memstore OSD and radosgw on free loopback ports, and an S3 user. Every daemon runs in
 * the foreground with its PID kept; they are SIGKILLed by `stop()` or, failing that, when this process exits.
 */
export async function startCeph(): Promise<Ceph> {
  const dir = mkdtempSync(join(tmpdir(), 'omvd-ceph-'));
  for (const sub of ['run', 'log', 'rgw', 'mon.a', 'osd.0']) mkdirSync(join(dir, sub));
  const conf = join(dir, 'ceph.conf');
  const [monPort, rgwPort] = [await freePort(), await freePort()];
  const fsid = randomUUID();
  writeFileSync(conf, config(dir, fsid, monPort, rgwPort));
  const children = new Set<ChildProcess>();
  const killAll = (): void => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  };
  process.once('exit', killAll);
  const daemon = (command: string, args: string[]): ChildProcess => {
    const out = openSync(join(dir, 'log', `${command}.out`), 'a');
    const child = spawn(command, ['-f', '-c', conf, ...args], { cwd: dir, stdio: ['ignore', out, out] });
    children.add(child);
    child.once('exit', () => children.delete(child));
    return child;
  };
  const ceph = (...args: string[]): Promise<string> => tool(dir, 'ceph', ['-c', conf, '--connect-timeout', '30', ...args]);
  const keyring = join(dir, 'keyring');
  const accessKey = `omvd${randomUUID().slice(0, 8)}`;
  const secretKey = randomUUID();

  try {
    await tool(dir, 'ceph-authtool', ['--create-keyring', keyring, '--gen-key', '-n', 'mon.', '--cap', 'mon', 'allow *']);
    await tool(dir, 'ceph-authtool', [keyring, '--gen-key', '-n', 'client.admin', '--cap', 'mon', 'allow *', '--cap', 'osd', 'allow *', '--cap', 'mgr', 'allow *']);
    await tool(dir, 'ceph-authtool', [keyring, '--gen-key', '-n', 'osd.0', '--cap', 'mon', 'allow profile osd', '--cap', 'osd', 'allow *']);
    await tool(dir, 'ceph-authtool', [keyring, '--gen-key', '-n', 'client.rgw', '--cap', 'mon', 'allow rw', '--cap', 'osd', 'allow rwx']);
    await tool(dir, 'monmaptool', ['--create', '--fsid', fsid, '--addv', 'a', `[v2:127.0.0.1:${monPort}]`, join(dir, 'monmap')]);
    await tool(dir, 'ceph-mon', ['-c', conf, '--mkfs', '-i', 'a', '--monmap', join(dir, 'monmap'), '--keyring', keyring]);
    daemon('ceph-mon', ['-i', 'a']);
    const osdUuid = randomUUID();
    await ceph('osd', 'new', osdUuid, '0');
    await tool(dir, 'ceph-osd', ['-c', conf, '--mkfs', '-i', '0', '--osd-uuid', osdUuid]);
    daemon('ceph-osd', ['-i', '0']);
    await waitFor(async () => (await tool(dir, 'ceph', ['--admin-daemon', join(dir, 'run', 'osd.0.asok'), 'status']).catch(() => '')).includes('"active"'), 'osd.0 to be active', STEP_TIMEOUT_MS, 50);
    let gateway: ChildProcess | undefined;
    const startGateway = async (): Promise<void> => {
      gateway = daemon('radosgw', ['-n', 'client.rgw']);
      const exited = gateway;
      await waitFor(
        async () => {
          if (exited.exitCode !== null) throw new Error(`radosgw exited (${exited.exitCode}); see ${dir}/log`);
          return fetch(`http://127.0.0.1:${rgwPort}/`).then(() => true, () => false);
        },
        'radosgw to answer',
        STEP_TIMEOUT_MS,
        50,
      );
    };
    await startGateway();
    const admin = (...args: string[]): Promise<string> => tool(dir, 'radosgw-admin', ['-c', conf, '-n', 'client.admin', ...args]);
    await admin('user', 'create', '--uid', 'omvd', '--display-name', 'omvd tests', '--access-key', accessKey, '--secret', secretKey);
    return {
      admin,
      endpoint: `http://127.0.0.1:${rgwPort}`,
      accessKey,
      secretKey,
      dir,
      startGateway,
      killGateway: async () => {
        const g = gateway;
        if (!g || g.exitCode !== null || g.signalCode !== null) return;
        const gone = new Promise((ok) => g.once('exit', ok));
        g.kill('SIGKILL');
        await gone;
      },
      stop: async () => {
        const gone = [...children].map((c) => new Promise((ok) => c.once('exit', ok)));
        killAll();
        await Promise.all(gone);
        process.removeListener('exit', killAll);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    killAll();
    throw new Error(`could not start the test Ceph cluster in ${dir}: ${(e as Error).message}`);
  }
}
