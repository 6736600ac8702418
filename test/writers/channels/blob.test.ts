import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BlobChannel } from '../../../host/writers/channels/blob.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'omvd-blob-'));
const jpeg = (i: number) => Uint8Array.of(0xff, 0xd8, i, ...Array.from({ length: i * 3 }, (_, k) => k & 0xff), 0xff, 0xd9);
const frames = (dir: string) => new BlobChannel(join(dir, 'frames'), 'u1', [4, 6, 3], { ext: 'jpg' });

describe('BlobChannel', () => {
  it('stores each blob as 000000.jpg, 000001.jpg, … with its bytes untouched, and reads them back', async () => {
    const ch = frames(tmp());
    const blobs = [jpeg(0), jpeg(5), jpeg(2)];
    await ch.write(blobs);
    expect(readdirSync(ch.path)).toEqual(['000000.jpg', '000001.jpg', '000002.jpg']);
    expect(new Uint8Array(readFileSync(join(ch.path, '000001.jpg')))).toEqual(jpeg(5));
    expect(await ch.length()).toBe(3);
    expect(await ch.read()).toEqual(blobs);
    expect(await ch.read(1, 2)).toEqual([jpeg(5), jpeg(2)]);
    expect(ch.size).toBe(4 * 6 * 3);
    await expect(ch.read(2, 2)).rejects.toThrow(/cannot read samples \[2, 4\).*holds 3/);
    await expect(ch.read(4)).rejects.toThrow(RangeError);
  });

  it('continues numbering after existing blobs on append, and replaces them without', async () => {
    const dir = tmp();
    await frames(dir).write([jpeg(1), jpeg(2)]);
    const again = frames(dir);
    await again.consume([jpeg(3)], { append: true });
    await again.write([jpeg(4)], { append: true });
    expect(readdirSync(again.path)).toEqual(['000000.jpg', '000001.jpg', '000002.jpg', '000003.jpg']);
    expect(await again.read(2)).toEqual([jpeg(3), jpeg(4)]);
    await frames(dir).consume([jpeg(9)]);
    expect(readdirSync(again.path)).toEqual(['000000.jpg']);
    expect(await again.read()).toEqual([jpeg(9)]);
  });

  it('names a stray file instead of counting it', async () => {
    const dir = tmp();
    const ch = frames(dir);
    await ch.write([jpeg(1)]);
    writeFileSync(join(ch.path, 'notes.txt'), 'x');
    await expect(ch.length()).rejects.toMatchObject({ code: 'ESTRAY', message: expect.stringMatching(/frames\/notes\.txt is not a jpg blob/) });
    await expect(frames(dir).write([jpeg(2)], { append: true })).rejects.toThrow(/notes\.txt/);
    await expect(ch.read()).rejects.toThrow(/notes\.txt/);
    expect(readdirSync(ch.path).sort()).toEqual(['000000.jpg', 'notes.txt']);
  });

  it.each([
    ['a gap in the numbering', '000002.jpg', /000002\.jpg is out of sequence: the folder holds 2 entries/],
    ['another extension', '000001.png', /000001\.png is not a jpg blob/],
    ['a 5-digit name', '00001.jpg', /00001\.jpg is not a jpg blob/],
    ['a leftover temp file', '.000001.jpg.1a2b.tmp', /\.000001\.jpg\.1a2b\.tmp is not a jpg blob/],
  ])('refuses %s', async (_, name, message) => {
    const ch = frames(tmp());
    mkdirSync(ch.path);
    writeFileSync(join(ch.path, '000000.jpg'), 'x');
    writeFileSync(join(ch.path, name), 'x');
    await expect(ch.length()).rejects.toThrow(message);
  });

  it('refuses a folder where a blob file should be', async () => {
    const ch = frames(tmp());
    mkdirSync(join(ch.path, '000000.jpg'), { recursive: true });
    await expect(ch.length()).rejects.toThrow(/000000\.jpg is not a jpg blob/);
  });

  it('never counts a crash leftover in the temp folder, and removes it when writing resumes', async () => {
    const dir = tmp();
    const ch = frames(dir);
    await ch.write([jpeg(1)]);
    expect(ch.tmpDir).toBe(join(dir, '.frames.tmp'));
    writeFileSync(join(ch.tmpDir, '.000001.jpg.dead.tmp'), jpeg(7).subarray(0, 3));
    const after = frames(dir);
    expect(await after.length()).toBe(1);
    await after.write([jpeg(2)], { append: true });
    expect(readdirSync(after.tmpDir)).toEqual([]);
    expect(await after.read()).toEqual([jpeg(1), jpeg(2)]);
    await after.close();
    expect(existsSync(after.tmpDir)).toBe(false);
    expect(readdirSync(dir)).toEqual(['frames']);
  });

  it('never shows a temp file in the folder while writing', async () => {
    const ch = frames(tmp());
    mkdirSync(ch.path);
    const seen = new Set<string>();
    const watcher = watch(ch.path, (_, name) => name && seen.add(String(name)));
    const listings: string[][] = [];
    async function* source() {
      for (let i = 0; i < 40; i++) {
        listings.push(readdirSync(ch.path));
        yield jpeg(i % 7);
        await new Promise((r) => setImmediate(r));
      }
    }
    await ch.consume(source());
    await new Promise((r) => setTimeout(r, 50));
    watcher.close();
    expect(seen.size).toBe(40);
    for (const name of seen) expect(name).toMatch(/^\d{6}\.jpg$/);
    listings.forEach((names, i) => expect(names).toEqual(Array.from({ length: i }, (_, k) => BlobChannel.blobName(k, 'jpg'))));
  });

  it('refuses an empty blob or a second write while one runs', async () => {
    const ch = frames(tmp());
    await expect(ch.write([jpeg(1), new Uint8Array(0)])).rejects.toThrow(/blob 1 is empty/);
    expect(await ch.length()).toBe(0);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow = ch.consume((async function* () {
      yield jpeg(1);
      await gate;
    })());
    await new Promise((r) => setTimeout(r, 20));
    await expect(ch.write([jpeg(2)], { append: true })).rejects.toMatchObject({ code: 'EBUSY' });
    release();
    await slow;
    expect(await ch.read()).toEqual([jpeg(1)]);
  });

  it('refuses to read a blob over maxBlobBytes', async () => {
    const dir = tmp();
    await frames(dir).write([jpeg(1), jpeg(40)]);
    const small = new BlobChannel(join(dir, 'frames'), 'u1', [4, 6, 3], { ext: 'jpg', maxBlobBytes: 100 });
    expect(await small.read(0, 1)).toEqual([jpeg(1)]);
    await expect(small.read(1, 1)).rejects.toMatchObject({ code: 'EFORMAT', message: expect.stringMatching(/000001\.jpg is 125 bytes, over the 100-byte limit/) });
  });

  it('openLike keeps the class, extension, dtype and shape', () => {
    const like = new BlobChannel('/a/data', 'f4', [3], { ext: 'npz', workers: 2 }).openLike('/b/other');
    expect(like).toBeInstanceOf(BlobChannel);
    expect([like.path, like.ext, like.dtype, like.shape, like.workers]).toEqual(['/b/other', 'npz', 'f4', [3], 2]);
    expect(like.tmpDir).toBe('/b/.other.tmp');
    expect(() => new BlobChannel('/a', 'u1', [], { ext: '../x' })).toThrow(/extension/);
  });
});
