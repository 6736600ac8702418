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
    expect(await loadConfig(join(dir, 'absent.json'))).toEqual(DEFAULT_CONFIG);
    expect(DEFAULT_CONFIG.export.formats).toEqual(['blob', 'hdf5']);
  });

  it('reads export formats, including none', async () => {
    expect((await loadConfig(file('a.json', '{"export": {"formats": ["video", "records", "video"]}}'))).export.formats).toEqual(['video', 'records']);
    expect((await loadConfig(file('b.json', '{"export": {"formats": []}}'))).export.formats).toEqual([]);
  });

  it('names the bad field and the file', async () => {
    const cases: [string, RegExp][] = [
      ['{"export": {"formats": ["hdf5", "tiff"]}}', /"export\.formats\[1\]" is "tiff", not one of/],
      ['{"export": {"formats": "hdf5"}}', /"export\.formats" must be a list/],
      ['{"exprot": {}}', /"exprot" is not a setting omvd knows/],
      ['{"export": {"format": []}}', /"export\.format" is not a setting/],
      ['[1, 2]', /must be a JSON object/],
      ['{"export": ', /is not valid JSON/],
    ];
    for (const [i, [text, message]] of cases.entries()) {
      const path = file(`bad${i}.json`, text);
      const err = await loadConfig(path).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toMatch(message);
      expect((err as Error).message).toContain(path);
    }
  });
});
