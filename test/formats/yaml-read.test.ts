import { describe, expect, it } from 'vitest';
import { parseYaml, YamlError } from '../../host/formats/yaml-read.js';
import { parseSessionSpec } from '../../host/capture/session-file.js';

const SESSION = `
# two cameras, thirty seconds
cameras:
  - port: /dev/ttyACM0
    pixformat: GRAYSCALE
    fps: 60
  - port: "/dev/ttyACM1"   # the second one
    framesize: 'QQVGA'
    live_slots: 8
duration: 30s
frames: 1000
to: [hdf5:run.h5, "trace:run"]
tags:
  run: r42
  note: 'it''s #1'
`;

describe('YAML session files', () => {
  it('reads mappings, lists of mappings, flow lists, quotes, numbers and comments', () => {
    expect(parseYaml(SESSION)).toEqual({
      cameras: [
        { port: '/dev/ttyACM0', pixformat: 'GRAYSCALE', fps: 60 },
        { port: '/dev/ttyACM1', framesize: 'QQVGA', live_slots: 8 },
      ],
      duration: '30s',
      frames: 1000,
      to: ['hdf5:run.h5', 'trace:run'],
      tags: { run: 'r42', note: "it's #1" },
    });
  });

  it('gives the same session as the JSON form', () => {
    const spec = parseSessionSpec(parseYaml(SESSION), 'run.yaml');
    expect(spec.cameras[1]).toEqual({ port: '/dev/ttyACM1', framesize: 'QQVGA', liveSlots: 8 });
    expect(spec.durationS).toBe(30);
    expect(spec.to).toEqual(['hdf5:run.h5', 'trace:run']);
  });

  it('refuses what it does not read, with the line', () => {
    for (const [text, message] of [
      ['a: 1\n  b: 2', /:2: indentation/],
      ['a: &x 1', /:1: "&x 1" uses YAML/],
      ['a: |\n  text', /:1: "\|" uses YAML/],
      ['a: 1\na: 2', /:2: "a" is given twice/],
      ['\ta: 1', /tabs/],
      ['just words', /expected "key: value"/],
    ] as const) {
      expect(() => parseYaml(text, 'f.yaml')).toThrow(YamlError);
      expect(() => parseYaml(text, 'f.yaml')).toThrow(message);
    }
  });
});

describe('loadSessionFile', () => {
  it('reads .yaml files as YAML and names the file and field on errors', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { loadSessionFile } = await import('../../host/capture/session-file.js');
    const dir = mkdtempSync(join(tmpdir(), 'omvd-yaml-'));
    writeFileSync(join(dir, 'ok.yaml'), SESSION);
    expect((await loadSessionFile(join(dir, 'ok.yaml'))).frames).toBe(1000);
    writeFileSync(join(dir, 'bad.yml'), SESSION.replace('fps: 60', 'fps: fast'));
    await expect(loadSessionFile(join(dir, 'bad.yml'))).rejects.toThrow(/bad\.yml: "cameras\[0\]\.fps" must be a number/);
  });
});
