import { readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface PackageInfo {
  name: string;
  version: string;
  root: string;
}

/** Finds omvd's own package.json whether running from source (tsx) or from dist/. */
export function packageInfo(): PackageInfo {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      const pkg = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'omvd' && pkg.version) return { name: pkg.name, version: pkg.version, root: dir };
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('omvd: cannot find its own package.json; reinstall omvd');
    dir = parent;
  }
}
