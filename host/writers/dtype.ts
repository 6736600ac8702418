/**
 * numpy dtype names (as roverd's meta.json and dcnum use them) and how each maps to JS typed arrays and to
 * h5wasm's dtype codes. h5wasm takes Python struct codes: "<i8" would silently become int32, so the table
 * below is the only place those codes are spelled.
 */
export const DTYPES = {
  u1: { itemsize: 1, array: Uint8Array, h5: '<B' },
  i1: { itemsize: 1, array: Int8Array, h5: '<b' },
  u2: { itemsize: 2, array: Uint16Array, h5: '<H' },
  i2: { itemsize: 2, array: Int16Array, h5: '<h' },
  u4: { itemsize: 4, array: Uint32Array, h5: '<I' },
  i4: { itemsize: 4, array: Int32Array, h5: '<i' },
  u8: { itemsize: 8, array: BigUint64Array, h5: '<Q' },
  i8: { itemsize: 8, array: BigInt64Array, h5: '<q' },
  f4: { itemsize: 4, array: Float32Array, h5: '<f' },
  f8: { itemsize: 8, array: Float64Array, h5: '<d' },
} as const;

export type Dtype = keyof typeof DTYPES;
export type TypedArrayOf<D extends Dtype> = InstanceType<(typeof DTYPES)[D]['array']>;
export type AnyTypedArray =
  | Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array
  | BigUint64Array | BigInt64Array | Float32Array | Float64Array;

export function isDtype(name: string): name is Dtype {
  return Object.hasOwn(DTYPES, name);
}

/** Accepts numpy spellings with an explicit little-endian or native prefix ("<f8", "=u1", "|u1"). */
export function parseDtype(name: string): Dtype {
  const bare = /^[<=|]/.test(name) ? name.slice(1) : name;
  if (!isDtype(bare)) {
    throw new TypeError(`unsupported dtype "${name}": use one of ${Object.keys(DTYPES).join(', ')}`);
  }
  return bare;
}

/** A typed array of `dtype` viewing `bytes` without copying when the alignment allows it. */
export function viewAs<D extends Dtype>(dtype: D, bytes: Uint8Array): TypedArrayOf<D> {
  const { itemsize, array } = DTYPES[dtype];
  if (bytes.byteLength % itemsize !== 0) {
    throw new RangeError(`${bytes.byteLength} bytes is not a whole number of ${dtype} items`);
  }
  const aligned = bytes.byteOffset % itemsize === 0 ? bytes : bytes.slice();
  return new array(aligned.buffer as ArrayBuffer, aligned.byteOffset, aligned.byteLength / itemsize) as TypedArrayOf<D>;
}
