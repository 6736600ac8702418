import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, configPath, DEFAULT_CONFIG, loadConfig } from '../../host/config/config.js';

const dir = mkdtempSync(join(tmpdir(), 'omvd-config-'));
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('omvd config file', () => {
  it('is found through OMVD_CONFIG, then XDG_CONFIG_HOME, then ~/.config', () => {
    expect(configPath({ OMVD_CONFIG: '/x/c.json' })).toBe('/x/c.json');
    expect(configPath({ XDG_CONFIG_HOME: '/cfg' })).toBe('/cfg/omvd/config.json');
    expect(configPath({})).toMatch(/\.config\/omvd\/config\.json$/);
  });

  it('defaults when missing: newly synced recordings become a roverd trace and HDF5', async () => {
    expect(await loadConfig({ XDG_CONFIG_HOME: join(dir, 'nothing-here') })).toEqual(DEFAULT_CONFIG);
    expect(DEFAULT_CONFIG.export.formats).toEqual(['blob', 'hdf5']);
  });

  it('reads export formats, including none', async () => {
    expect((await loadConfig({ OMVD_CONFIG: file('a.json', '{"export": {"formats": ["video", "records", "video"]}}') })).export.formats).toEqual(['video', 'records']);
    expect((await loadConfig({ OMVD_CONFIG: file('b.json', '{"export": {"formats": []}}') })).export.formats).toEqual([]);
  });

  it('reads the link policy every command uses, and keeps the defaults for what it omits', async () => {
    expect((await loadConfig({ OMVD_CONFIG: file('l.json', '{"link": {"timeout_ms": 20000, "retries": 100}}') })).link).toEqual({ timeoutMs: 20000, retries: 100 });
    expect((await loadConfig({ OMVD_CONFIG: file('m.json', '{"link": {"retries": 3}}') })).link).toEqual({ ...DEFAULT_CONFIG.link, retries: 3 });
  });

  it('refuses a file $OMVD_CONFIG names that does not exist, instead of silently using the defaults', async () => {
    const err = await loadConfig({ OMVD_CONFIG: join(dir, 'typo.json') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/typo\.json.*does not exist.*OMVD_CONFIG/);
  });

  it('names the bad field and the file', async () => {
    const cases: [string, RegExp][] = [
      ['{"export": {"formats": ["hdf5", "tiff"]}}', /"export\.formats\[1\]" is "tiff", not one of/],
      ['{"export": {"formats": "hdf5"}}', /"export\.formats" must be a list/],
      ['{"exprot": {}}', /"exprot" is not a setting omvd knows/],
      ['{"export": {"format": []}}', /"export\.format" is not a setting/],
      ['[1, 2]', /must be a JSON object/],
      ['{"export": ', /is not valid JSON/],
      ['{"link": {"timeout_ms": -5}}', /"link\.timeout_ms" is -5, not a whole number/],
      ['{"link": {"retries": "many"}}', /"link\.retries" is "many"/],
      ['{"link": {"timeout": 5}}', /"link\.timeout" is not a setting omvd knows \(known: link\.timeout_ms, link\.retries\)/],
    ];
    for (const [i, [text, message]] of cases.entries()) {
      const path = file(`bad${i}.json`, text);
      const err = await loadConfig({ OMVD_CONFIG: path }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toMatch(message);
      expect((err as Error).message).toContain(path);
    }
  });
});
