import sharp from 'sharp';
import { FormatError } from '../../protocol/errors.js';
import { decodePixformat } from '../../protocol/imageio/pixformat.js';
import { luma, rawToGray, rawToRgb, type RawFrame } from './raw.js';

export { luma, rawToGray, rawToRgb, type RawFrame } from './raw.js';

sharp.cache(false);

async function decodeCompressed(frame: RawFrame, channels: 1 | 3): Promise<Uint8Array> {
  const img = sharp(frame.data, { failOn: 'error' });
  const { data, info } = await (channels === 1 ? img.toColourspace('b-w') : img.removeAlpha().toColourspace('srgb')).raw().toBuffer({ resolveWithObject: true });
  if (info.width !== frame.width || info.height !== frame.height || info.channels !== channels) {
    throw new FormatError(`compressed frame decodes to ${info.width}×${info.height}×${info.channels}, but its record says ${frame.width}×${frame.height}`);
  }
  return new Uint8Array(data.buffer, data.byteOffset, data.length);
}

/**
 * Any frame → 8-bit gray, w·h bytes. JPEG/PNG are decoded (with sharp) only here, when pixels are needed. Colour
 * JPEGs get the same BT.601 luma as raw colour frames (sharp's own b-w conversion is linear-light, which would
 * make the same scene a different gray depending on the camera's pixformat).
 */
export async function toGray(frame: RawFrame): Promise<Uint8Array> {
  if (!decodePixformat(frame.pixformat).compressed) return rawToGray(frame);
  if ((await sharp(frame.data).metadata()).channels === 1) return decodeCompressed(frame, 1);
  const rgb = await decodeCompressed(frame, 3);
  const out = new Uint8Array(frame.width * frame.height);
  for (let i = 0; i < out.length; i++) out[i] = luma(rgb[3 * i] as number, rgb[3 * i + 1] as number, rgb[3 * i + 2] as number);
  return out;
}

/** Any frame → interleaved 8-bit RGB, w·h·3 bytes. */
export async function toRgb(frame: RawFrame): Promise<Uint8Array> {
  return decodePixformat(frame.pixformat).compressed ? decodeCompressed(frame, 3) : rawToRgb(frame);
}

/** Any frame → JPEG bytes. JPEG frames pass through untouched; gray stays a true 1-channel JPEG. */
export async function toJpeg(frame: RawFrame, { quality = 90 } = {}): Promise<Uint8Array> {
  const info = decodePixformat(frame.pixformat);
  if (info.family === 'jpeg') return frame.data;
  const grayOnly = info.family === 'grayscale' || info.family === 'binary';
  const pixels = grayOnly ? await toGray(frame) : await toRgb(frame);
  const img = sharp(pixels, { raw: { width: frame.width, height: frame.height, channels: grayOnly ? 1 : 3 } });
  const jpeg = await (grayOnly ? img.toColourspace('b-w') : img).jpeg({ quality }).toBuffer();
  return new Uint8Array(jpeg.buffer, jpeg.byteOffset, jpeg.length);
}
