import type { RawChannel } from '../channels/raw.js';
import { DTYPES, type AnyTypedArray } from '../dtype.js';

/** One frame's value for a raw channel: a number (or bigint for u8/i8) for a scalar channel, else one sample as a typed array. */
export type FrameValue = number | bigint | AnyTypedArray;

/**
 * `value` as exactly one sample of `channel`. A number must fit the dtype (a u4 channel refuses -1 or 2^32 rather
 * than wrapping it); a typed array must be one sample (its dtype is checked when written).
 */
export function sampleOf(channel: RawChannel, name: string, value: FrameValue): AnyTypedArray {
  const where = `channel "${name}" (${channel.dtype} × [${channel.shape.join(', ')}])`;
  if (typeof value !== 'number' && typeof value !== 'bigint') {
    const { array } = DTYPES[channel.dtype];
    if (!(value instanceof array) && !(value instanceof Uint8Array)) {
      throw new TypeError(`${where}: got a ${value?.constructor?.name ?? typeof value}; pass a number, a ${array.name} or raw bytes (Uint8Array)`);
    }
    if (value.byteLength !== channel.size) {
      throw new RangeError(`${where}: a sample is ${channel.size} bytes, got ${value.byteLength}`);
    }
    return value;
  }
  if (channel.shape.length !== 0) throw new RangeError(`${where}: one number is not a sample; pass a typed array of ${channel.size} bytes`);
  const { dtype } = channel;
  const bits = DTYPES[dtype].itemsize * 8;
  if (dtype === 'u8' || dtype === 'i8') {
    const big = typeof value === 'bigint' ? value : Number.isSafeInteger(value) ? BigInt(value) : undefined;
    const fits = big !== undefined && (dtype === 'u8' ? BigInt.asUintN(64, big) : BigInt.asIntN(64, big)) === big;
    if (!fits) throw new RangeError(`${where}: ${value} is not a ${dtype} integer`);
    return dtype === 'u8' ? BigUint64Array.of(big) : BigInt64Array.of(big);
  }
  if (typeof value === 'bigint') throw new TypeError(`${where}: a bigint is only for u8/i8 channels; pass a number`);
  if (dtype !== 'f4' && dtype !== 'f8') {
    const [min, max] = dtype.startsWith('u') ? [0, 2 ** bits - 1] : [-(2 ** (bits - 1)), 2 ** (bits - 1) - 1];
    if (!Number.isInteger(value) || value < min || value > max) throw new RangeError(`${where}: ${value} is not a ${dtype} integer (${min} to ${max})`);
  }
  return new (DTYPES[dtype].array as new (values: number[]) => AnyTypedArray)([value]);
}
