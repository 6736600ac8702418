import { describe, expect, it } from 'vitest';
import { CatalogError, isSafeName, parseCatalog } from '../../host/sync/catalog.js';

const json = (doc: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(doc));
const good = { name: 'rec_0001.bin', size: 4096, frames: 10, open: false, sha256: 'a'.repeat(64) };

describe('catalog from the device (untrusted)', () => {
  it('keeps well-formed entries', () => {
    const c = parseCatalog(json({ v: 1, recordings: [good, { ...good, name: 'rec_0002.bin', open: true, sha256: null, frames: null }] }));
    expect(c.recordings.map((r) => r.name)).toEqual(['rec_0001.bin', 'rec_0002.bin']);
    expect(c.refused).toEqual([]);
  });

  it('refuses names that would leave the sync root, and keeps the rest', () => {
    const hostile = ['../../etc/passwd', '/abs.bin', 'a/b.bin', '..', 'x'.repeat(256), 'a\\b.bin', 'nul\u0000.bin', ''];
    const c = parseCatalog(json({ recordings: [...hostile.map((name) => ({ ...good, name })), good] }));
    expect(c.recordings.map((r) => r.name)).toEqual(['rec_0001.bin']);
    expect(c.refused.length).toBe(hostile.length);
    expect(c.refused[0]!.reason).toMatch(/unsafe recording name/);
  });

  it('refuses impossible sizes, counts and hashes', () => {
    const bad = [{ ...good, name: 'a.bin', size: 2 ** 32 }, { ...good, name: 'b.bin', size: -1 }, { ...good, name: 'c.bin', size: '12' }, { ...good, name: 'd.bin', frames: -3 }, { ...good, name: 'e.bin', sha256: 'zz' }, { ...good, name: 'f.bin', open: 'yes' }, 42, null, { ...good }];
    const c = parseCatalog(json({ recordings: [good, ...bad] }));
    expect(c.recordings.map((r) => r.name)).toEqual(['rec_0001.bin']);
    expect(c.refused.map((r) => r.reason).join('\n')).toMatch(/size 4294967296[\s\S]*size -1[\s\S]*frame count[\s\S]*sha256[\s\S]*open[\s\S]*not an object[\s\S]*listed twice/);
  });

  it('rejects garbage with a clear error', () => {
    expect(() => parseCatalog(new TextEncoder().encode('{"recordings": [tru'))).toThrow(CatalogError);
    expect(() => parseCatalog(Uint8Array.from([0xff, 0xfe, 0x00]))).toThrow(/not valid JSON/);
    expect(() => parseCatalog(json({ files: [] }))).toThrow(/no "recordings" list/);
    expect(() => parseCatalog(json({ recordings: new Array(100_001).fill(0) }))).toThrow(/more than omvd accepts/);
  });

  it('isSafeName', () => {
    expect(isSafeName('rec_0001.bin')).toBe(true);
    expect(isSafeName('../x')).toBe(false);
    expect(isSafeName(5)).toBe(false);
  });
});
