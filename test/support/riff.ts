/** A minimal independent RIFF walker for tests: the chunk ids, offsets and bodies of an AVI file. */
export interface Chunk {
  id: string;
  offset: number;
  body: Uint8Array;
  list?: string;
  children?: Chunk[];
}

export function walkRiff(bytes: Uint8Array, start = 12, end = bytes.length): Chunk[] {
  const out: Chunk[] = [];
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = start;
  while (at + 8 <= end) {
    const id = String.fromCharCode(...bytes.subarray(at, at + 4));
    const size = v.getUint32(at + 4, true);
    const body = bytes.subarray(at + 8, at + 8 + size);
    const chunk: Chunk = { id, offset: at, body };
    if (id === 'LIST') {
      chunk.list = String.fromCharCode(...body.subarray(0, 4));
      chunk.children = walkRiff(bytes, at + 12, at + 8 + size);
    }
    out.push(chunk);
    at += 8 + size + (size & 1);
  }
  return out;
}
