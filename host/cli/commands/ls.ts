import { resolve } from 'node:path';
import type { CommandModule } from 'yargs';
import { fetchCatalog } from '../../sync/catalog.js';
import { readManifest } from '../../sync/manifest.js';
import { loadConfig } from '../../config/config.js';
import { createLogger } from '../../log.js';
import { planUpload } from '../../upload/options.js';
import { uploadStatus, type UploadStatus } from '../../upload/status.js';
import { targetId } from '../../upload/target.js';
import type { StoreArgs } from './upload.js';
import { clientOptions, jsonOption, linkOptions, portOption, rootOption, withCameras, type LinkArgs } from './camera-options.js';

interface Args extends LinkArgs, Pick<StoreArgs, 'endpoint' | 'path-style' | 'region'> {
  upload?: string;
  port?: string;
  root: string;
  json: boolean;
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
    const cameras = await withCameras(args.port, options, async (conn) => {
      const id = conn.client.camera.sysInfo.uniqueId;
      const manifest = await readManifest(resolve(root, id), id);
      const catalog = await fetchCatalog(conn.client);
      const uploads: Record<string, UploadStatus> = plan ? await uploadStatus(root, id, targetId(plan.target)) : {};
      const recordings = catalog.recordings.map((r) => {
        const have = manifest.recordings[r.name];
        return { ...r, synced: have !== undefined && have.sha256 === r.sha256 && have.size === r.size, ...(uploads[r.name] ? { upload: uploads[r.name] } : {}) };
      });
      return { id, port: conn.path, recordings, refused: catalog.refused.map((x) => x.reason), link: conn.client.stats };
    });
    if (args.json) {
      process.stdout.write(`${JSON.stringify({ ok: true, root, cameras })}\n`);
      return;
    }
    for (const c of cameras) {
      process.stdout.write(`camera ${c.id} on ${c.port}: ${c.recordings.length} recordings\n`);
      for (const r of c.recordings) {
        const state = `${r.open ? 'recording' : r.synced ? 'synced' : r.sha256 ? 'not synced' : 'hashing'}${r.upload ? `, ${r.upload.state} (${r.upload.delivered}/${r.upload.files} files in the store)` : ''}`;
        process.stdout.write(`  ${r.name.padEnd(20)} ${String(r.size).padStart(12)} B ${String(r.frames ?? '?').padStart(7)} frames  ${state}\n`);
      }
      for (const why of c.refused) process.stdout.write(`  refused: ${why}\n`);
    }
  },
};
