import { describe, expect, it } from 'vitest';
import { omvd } from '../support/tools.js';

describe('omvd install-service', () => {
  it('prints a unit whose ExecStart survives spaces, for an omvd account it says how to create, with a root of its own', () => {
    const r = omvd(['install-service', '--root', '/srv/lab data/openmv']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ExecStart=\S+ \S+ daemon --root "\/srv\/lab data\/openmv" --socket-group --json$/m);
    expect(r.stdout).toMatch(/^User=omvd$/m);
    expect(r.stdout).toMatch(/useradd --system .*omvd/);
    expect(omvd(['install-service']).stdout).toMatch(/--root \/var\/lib\/omvd\/data /);
  });

  it('--no-print is refused (it only prints: omvd never edits /etc), exit 2', () => {
    const r = omvd(['install-service', '--no-print', '--json']);
    expect(r.status).toBe(2);
    expect(JSON.parse(r.stdout).error.code).toBe('EUSAGE');
  });
});
