import { FormatError } from '../errors.js';
import { opcodeName, PROTOCOL_VERSION } from './constants.js';

/** A structured payload: decode(encode(x)) deep-equals x. decode throws FormatError, encode RangeError. */
export interface Codec<T> {
  encode(value: T): Uint8Array;
  decode(payload: Uint8Array): T;
}

/** "SYS_INFO (0x12)" */
export function opcodeLabel(opcode: number): string {
  return `${opcodeName(opcode)} (0x${opcode.toString(16).padStart(2, '0')})`;
}

/** A malformed payload; `subject` names it with its opcode ("SYS_INFO (0x12) reply"). */
export function payloadError(subject: string, detail: string): FormatError {
  return new FormatError(
    `${subject}: ${detail}. The device may speak a protocol revision other than ${PROTOCOL_VERSION.join('.')}, ` +
      'or the bytes were corrupted in a way the CRCs missed; report it with the raw payload',
  );
}

export function expectSize(payload: Uint8Array, size: number, subject: string): void {
  if (payload.length !== size) throw payloadError(subject, `expected ${size} bytes, got ${payload.length}`);
}

/** Throws RangeError unless `value` is an integer in [min, max]; returns it. */
export function checkInt(name: string, value: number, max: number, min = 0): number {
  if (!Number.isInteger(value) || value < min || value > max) throw new RangeError(`${name} must be an integer from ${min} to ${max}, got ${value}`);
  return value;
}

export const U8 = 0xff;
export const U16 = 0xffff;
export const U32 = 0xffffffff;
