import { describe, expect, it } from 'vitest';
import { toYaml } from '../../../host/writers/roverd/yaml.js';

describe('toYaml', () => {
  it('writes maps as key lines, nested maps indented, lists in flow style, every string quoted', () => {
    expect(toYaml({ source: 'rec_0001.bin', fps: 25, start: 1763812800.125, ok: true, none: null, sizes: [320, 240], tags: ['a', 'b'], board: { id: 'OPENMV4', fw: [4, 5, 9] } })).toBe(
      [
        '"source": "rec_0001.bin"',
        '"fps": 25',
        '"start": 1763812800.125',
        '"ok": true',
        '"none": null',
        '"sizes": [320, 240]',
        '"tags": ["a", "b"]',
        '"board":',
        '  "id": "OPENMV4"',
        '  "fw": [4, 5, 9]',
        '',
      ].join('\n'),
    );
    expect(toYaml({})).toBe('{}\n');
    expect(toYaml({ empty: {}, list: [{ k: 'v' }, []] })).toBe('"empty": {}\n"list": [{"k": "v"}, []]\n');
  });

  it('quotes strings that would otherwise be numbers, bools, comments or syntax', () => {
    expect(toYaml({ a: 'yes', b: '1.5', c: 'x: y # z', d: '- [q]', e: '' })).toBe('"a": "yes"\n"b": "1.5"\n"c": "x: y # z"\n"d": "- [q]"\n"e": ""\n');
  });

  it('escapes quotes, backslashes, control characters and YAML 1.1 line breaks, and keeps other Unicode', () => {
    expect(toYaml({ 'say "hi"': 'C:\\dir\n\ttab\r\x00\x7f\x85\u2028\ufeff café 📷' })).toBe(
      '"say \\"hi\\"": "C:\\\\dir\\n\\ttab\\r\\u0000\\u007f\\u0085\\u2028\\ufeff café 📷"\n',
    );
    expect(() => toYaml({ bad: 'x\ud800y' })).toThrow(/lone UTF-16 surrogate/);
  });

  it('writes floats the way PyYAML reads them as floats (with a "." before the exponent)', () => {
    expect(toYaml({ big: 1e21, small: 5e-7, neg: -2.5e-8, inf: Infinity, ninf: -Infinity, nan: NaN, int: 1e20 })).toBe(
      '"big": 1.0e+21\n"small": 5.0e-7\n"neg": -2.5e-8\n"inf": .inf\n"ninf": -.inf\n"nan": .nan\n"int": 100000000000000000000\n',
    );
  });
});
