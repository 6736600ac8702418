import { capture } from './capture.js';
import { framing } from './framing.js';
import { sync } from './sync.js';
import { writers } from './writers.js';

/** `npm run bench [name…]`: runs the named benches (all by default) and prints one line per figure. */
const benches: Record<string, () => Promise<string[]>> = { framing, writers, sync, capture };

const wanted = process.argv.slice(2);
for (const name of wanted) if (!benches[name]) throw new Error(`unknown bench "${name}"; known: ${Object.keys(benches).join(', ')}`);
for (const [name, bench] of Object.entries(benches)) {
  if (wanted.length && !wanted.includes(name)) continue;
  for (const line of await bench()) console.log(line);
}
