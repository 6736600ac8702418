import { resolve } from 'node:path';
import type { CommandModule } from 'yargs';
import { lsEntry, type LsEntry } from '../../api/documents.js';
import { eachCamera } from '../../api/route.js';
import { fetchCatalog, type Catalog } from '../../sync/catalog.js';
import { loadConfig } from '../../config/config.js';
import { createLogger } from '../../log.js';
import { planUpload } from '../../upload/options.js';
import { uploadStatus } from '../../upload/status.js';
import { targetId } from '../../upload/target.js';
import type { StoreArgs } from './upload.js';
import { clientOptions, jsonOption, linkOptions, portOption, rootOption, type LinkArgs } from './camera-options.js';

interface Args extends LinkArgs, Pick<StoreArgs, 'endpoint' | 'path-style' | 'region'> {
  upload?: string;
  port?: string;
  root: string;
  json: boolean;
}

/** The catalog a daemon's answer was made from, to hold it against another root's manifest. */
function catalogOf(entry: LsEntry): Catalog {
  const recordings = entry.recordings.map(({ synced: _s, sync: _y, upload: _u, ...r }) => r);
  return { recordings, refused: entry.refused.map((reason) => ({ entry: null, reason })), recorder: null, recorderError: null };
}

export const lsCommand: CommandModule<object, Args> = {
  command: 'ls',
  describe: 'List cameras and their recordings, and whether each is synced (verified) into --root',
  builder: (y) =>
    linkOptions(y.option('port', portOption).option('root', rootOption).option('json', jsonOption))
      .option('endpoint', { type: 'string', describe: 'the store\'s URL, as given to omvd upload or the daemon (stores that are not AWS)' })
      .option('upload', { type: 'string', describe: 'also show where each recording stands with this store, s3://BUCKET/PREFIX (default: "upload" of the config file); read from the upload state on disk, no request is made' }) as never,
  handler: async (args) => {
    const root = resolve(args.root);
    const options = await clientOptions(args, createLogger({ json: args.json }));
    const plan = planUpload({ url: args.upload, endpoint: args.endpoint, pathStyle: args['path-style'], region: args.region }, (await loadConfig()).upload);
    const uploads = async (id: string) => (plan ? { uploads: await uploadStatus(root, id, targetId(plan.target)) } : {});
    const cameras = await eachCamera<LsEntry>(args.port, options, {
      direct: async (conn) => {
        const id = conn.client.camera.sysInfo.uniqueId;
        return lsEntry(root, { id, port: conn.path, catalog: await fetchCatalog(conn.client), link: conn.client.stats }, await uploads(id));
      },
      daemon: async ({ daemon, status }, camera, port) => {
        const entry = (await daemon.json<{ cameras: LsEntry[] }>('GET', `/api/v1/cameras/${camera.id}/recordings`)).cameras[0]!;
        if (status.root === root && !plan) return { ...entry, port };
        return lsEntry(root, { id: camera.id, port, catalog: catalogOf(entry), link: entry.link }, { ...(await uploads(camera.id)), ...(status.root === root ? { copying: camera.sync.copying } : {}) });
      },
    });
    if (args.json) {
      process.stdout.write(`${JSON.stringify({ ok: true, root, cameras })}\n`);
      return;
    }
    for (const c of cameras) {
      process.stdout.write(`camera ${c.id} on ${c.port}: ${c.recordings.length} recordings\n`);
      for (const r of c.recordings) {
        const copy = r.sync.state === 'copying' ? `copying, ${r.sync.bytes} of ${r.size} B` : r.sync.state === 'partial' ? `not synced, ${r.sync.bytes} B verified so far` : '';
        const state = `${r.open ? 'recording' : r.synced ? 'synced' : copy || (r.sha256 ? 'not synced' : 'hashing')}${r.upload ? `, ${r.upload.state} (${r.upload.delivered}/${r.upload.files} files in the store)` : ''}`;
        process.stdout.write(`  ${r.name.padEnd(20)} ${String(r.size).padStart(12)} B ${String(r.frames ?? '?').padStart(7)} frames  ${state}\n`);
      }
      for (const why of c.refused) process.stdout.write(`  refused: ${why}\n`);
    }
  },
};
