import { describe, expect, it } from 'vitest';
import { EventStash } from '../../../host/writers/hdf5/event-stash.js';

const frames = (released: [number, string][]): number[] => released.map(([f]) => f);

describe('EventStash', () => {
  it('releases frames in order as soon as every earlier one has arrived', () => {
    const s = new EventStash<string>(10, 8);
    expect(s.add(12, 'c')).toEqual([]);
    expect(s.add(11, 'b')).toEqual([]);
    expect(s.add(10, 'a')).toEqual([[10, 'a'], [11, 'b'], [12, 'c']]);
    expect(s.add(13, 'd')).toEqual([[13, 'd']]);
    expect(s.size).toBe(0);
    expect(s.missing).toEqual([]);
  });

  it('puts any shuffle within the window back in order', () => {
    const order = [3, 1, 0, 2, 7, 5, 6, 4, 9, 8, 11, 10];
    const s = new EventStash<string>(0, 4);
    const out = order.flatMap((f) => frames(s.add(f, `e${f}`)));
    expect(out).toEqual([...Array(12).keys()]);
  });

  it('holds at most `window` frame numbers open: a frame beyond it gives up on the gap', () => {
    const s = new EventStash<string>(0, 4);
    expect(s.add(1, 'b')).toEqual([]);
    expect(s.add(2, 'c')).toEqual([]);
    expect(s.size).toBe(2);
    // 5 needs the window to start at 2: frame 0 is given up, 1 and 2 released, 3 and 4 still awaited.
    expect(s.add(5, 'f')).toEqual([[1, 'b'], [2, 'c']]);
    expect(s.missing).toEqual([{ from: 0, to: 0 }]);
    expect(s.add(3, 'd')).toEqual([[3, 'd']]);
    // A jump far ahead records the whole gap as one range, not frame by frame.
    expect(s.add(1_000_000, 'z')).toEqual([[5, 'f']]);
    expect(s.missing).toEqual([{ from: 0, to: 0 }, { from: 4, to: 4 }, { from: 6, to: 999_996 }]);
    expect(s.next).toBe(999_997);
  });

  it('refuses a frame before the released ones, and a frame given twice', () => {
    const s = new EventStash<string>(0, 4);
    s.add(0, 'a');
    s.add(2, 'c');
    expect(() => s.add(0, 'again')).toThrow(expect.objectContaining({ code: 'EFRAMEORDER', message: expect.stringMatching(/frame 0 arrived after frames up to 0/) }));
    expect(() => s.add(2, 'again')).toThrow(expect.objectContaining({ code: 'EFRAMEORDER', message: expect.stringMatching(/given twice/) }));
    expect(() => s.add(-1, 'x')).toThrow(expect.objectContaining({ code: 'EFRAMEORDER' }));
  });

  it('drains what is held at finish, recording the gaps that never filled', () => {
    const s = new EventStash<string>(0, 16);
    s.add(0, 'a');
    s.add(3, 'd');
    s.add(4, 'e');
    s.add(8, 'i');
    expect(frames(s.drain())).toEqual([3, 4, 8]);
    expect(s.missing).toEqual([{ from: 1, to: 2 }, { from: 5, to: 7 }]);
    expect(s.drain()).toEqual([]);
  });
});
