import { join } from 'node:path';
import { exportRecording, type ExportFormat } from '../export/export.js';
import type { Logger } from '../log.js';
import type { SyncSummary } from '../sync/engine.js';

/**
 * Converts each newly synced (verified) recording into the configured dataset formats, under
 * `<root>/<camera>/datasets/`. A failed conversion is logged; the verified recording stays, so it can be exported
 * again with `omvd export`.
 */
export async function exportSynced(summary: SyncSummary, formats: readonly ExportFormat[], log: Logger): Promise<void> {
  if (formats.length === 0) return;
  for (const r of summary.synced) {
    try {
      const result = await exportRecording(r.path, { to: formats, outDir: join(summary.dir, 'datasets'), sha256: r.sha256 });
      log.info({ camera: summary.camera, outputs: result.outputs.map((o) => o.path) }, `exported ${r.name} (${result.frames} frames) to ${formats.join(', ')}`);
      for (const f of result.failed) log.error({ camera: summary.camera, code: f.code, path: f.path }, `could not export ${r.name} to ${f.format ?? formats.join(', ')}: ${f.error}`);
    } catch (e) {
      log.error({ camera: summary.camera, code: (e as { code?: string }).code }, `could not export ${r.name}: ${(e as Error).message}; the synced file is kept, try omvd export`);
    }
  }
}
