import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * `npm run bench [name…]`: runs the named benches (all by default) and prints one line per figure. With more than
 * one, each runs in a process of its own, so one bench's memory does not show in another's RSS figures.
 */
// Imported only when run: h5wasm alone adds hundreds of MB of WebAssembly memory to a process's RSS.
const benches: Record<string, () => Promise<string[]>> = {
  framing: () => import('./framing.js').then((m) => m.framing()),
  writers: () => import('./writers.js').then((m) => m.writers()),
  sync: () => import('./sync.js').then((m) => m.sync()),
  capture: () => import('./capture.js').then((m) => m.capture()),
  boards: () => import('./boards.js').then((m) => m.boards()),
  upload: () => import('./upload.js').then((m) => m.upload()),
  scale: () => import('./scale.js').then((m) => m.scale()),
};

const wanted = process.argv.slice(2);
for (const name of wanted) if (!benches[name]) throw new Error(`unknown bench "${name}"; known: ${Object.keys(benches).join(', ')}`);
const names = wanted.length ? wanted : Object.keys(benches);
if (names.length === 1) {
  for (const line of await benches[names[0]!]!()) console.log(line);
} else {
  for (const name of names) {
    const r = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), name], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`bench ${name} failed (exit ${r.status ?? r.signal})`);
  }
}
