import type { SyncSummary } from '../sync/engine.js';

type Failure = { port: string; camera?: string; code: string; error: string };
type Named = { camera: string; name: string };

/** `omvd sync --once --json` (without `ok` and `upload`, which the command adds), and `POST …/sync` with wait. */
export interface SyncDoc {
  interrupted?: true;
  root: string;
  synced: (SyncSummary['synced'][number] & { camera: string })[];
  upToDate: Named[];
  deleted: Named[];
  failed: (SyncSummary['failed'][number] & { camera: string })[];
  refused: { camera: string; reason: string }[];
  errors: Failure[];
  dryRun?: true;
  wouldSync?: (NonNullable<SyncSummary['wouldSync']>[number] & { camera: string })[];
  wouldDelete?: Named[];
  cameras: { camera: string; dir: string; synced: number; upToDate: number; failed: number; deleted: number; link: SyncSummary['link'] }[];
}

/** One entry per camera, however many sync passes the daemon made of it (their lists merged, the last link counters). */
function perCamera(summaries: SyncSummary[]): SyncSummary[] {
  const byId = new Map<string, SyncSummary>();
  for (const s of summaries) {
    const had = byId.get(s.camera);
    if (!had) byId.set(s.camera, { ...s, synced: [...s.synced], failed: [...s.failed], deleted: [...s.deleted], upToDate: [...s.upToDate], refused: [...s.refused] });
    else {
      had.synced.push(...s.synced);
      had.deleted.push(...s.deleted);
      had.failed = s.failed;
      had.upToDate = s.upToDate;
      had.refused = s.refused;
      had.link = s.link;
    }
  }
  return [...byId.values()];
}

export function syncDoc(root: string, summaries: SyncSummary[], failures: Failure[], { dryRun = false, interrupted = false } = {}): SyncDoc {
  const cameras = perCamera(summaries);
  const flat = <T>(pick: (s: SyncSummary) => T[]): (T & { camera: string })[] => cameras.flatMap((s) => pick(s).map((x) => ({ camera: s.camera, ...x })));
  return {
    ...(interrupted ? { interrupted: true } : {}),
    root,
    synced: flat((s) => s.synced),
    upToDate: flat((s) => s.upToDate.map((name) => ({ name }))),
    deleted: flat((s) => s.deleted.map((name) => ({ name }))),
    failed: flat((s) => s.failed),
    refused: flat((s) => s.refused.map((r) => ({ reason: r.reason }))),
    errors: failures,
    ...(dryRun ? { dryRun: true, wouldSync: flat((s) => s.wouldSync ?? []), wouldDelete: flat((s) => (s.wouldDelete ?? []).map((name) => ({ name }))) } : {}),
    cameras: cameras.map((s) => ({ camera: s.camera, dir: s.dir, synced: s.synced.length, upToDate: s.upToDate.length, failed: s.failed.length, deleted: s.deleted.length, link: s.link })),
  };
}

/** Two documents of one command as one (cameras synced directly and through a daemon). */
export function mergeSyncDocs(a: SyncDoc, b: SyncDoc): SyncDoc {
  const out: SyncDoc = { ...a, synced: [...a.synced, ...b.synced], upToDate: [...a.upToDate, ...b.upToDate], deleted: [...a.deleted, ...b.deleted], failed: [...a.failed, ...b.failed], refused: [...a.refused, ...b.refused], errors: [...a.errors, ...b.errors], cameras: [...a.cameras, ...b.cameras] };
  if (a.wouldSync || b.wouldSync) Object.assign(out, { dryRun: true, wouldSync: [...(a.wouldSync ?? []), ...(b.wouldSync ?? [])], wouldDelete: [...(a.wouldDelete ?? []), ...(b.wouldDelete ?? [])] });
  return out;
}
