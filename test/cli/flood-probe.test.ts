import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { PtyServer } from '../../host/sim/pty.js';
import { flood } from '../support/flood.js';
import { spawnOmvd } from '../support/tools.js';

describe('a port that floods noise', () => {
  let noise: PtyServer | undefined;
  afterAll(async () => {
    await noise?.close();
  });

  it('is no camera: info says so and exits 3, instead of probing for as long as bytes come', { timeout: 90_000 }, async () => {
    noise = await flood(join(mkdtempSync(join(tmpdir(), 'omvd-flood-')), 'noise'));
    // A child the test kills at 60 s: before the probe had a span of its own, info was still probing then.
    const info = spawnOmvd(['info', '--port', noise.path, '--json'], {}, 60_000);
    expect(await info.exited, info.stderr()).toBe(3);
    expect(JSON.parse(info.stdout())).toMatchObject({ ok: false, error: { code: expect.any(String) } });
  });
});
