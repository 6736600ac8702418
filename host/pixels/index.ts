import { FormatError } from '../../protocol/errors.js';
import type { PixformatInfo } from '../../protocol/imageio/pixformat.js';
import { checkFrame, rawToGray, rawToRgb, rgbToGray, type RawFrame } from './raw.js';
import { loadSharp } from './sharp.js';

export { luma, rawToGray, rawToRgb, type RawFrame } from './raw.js';

/**
 * Any frame → 8-bit gray, w·h bytes. JPEG/PNG are decoded (with sharp) only here and in toRgb, when pixels are
 * needed. A gray JPEG/PNG decodes straight to its one channel; a colour one gets the same luma() as raw colour frames
 * (sharp's own b-w conversion is linear-light, which would give the same scene a different gray per pixformat).
 */
export async function toGray(frame: RawFrame): Promise<Uint8Array> {
  const info = checkFrame(frame);
  if (!info.compressed) return rawToGray(frame);
  const { pixels, channels } = await decodeNative(frame, info);
  return channels === 1 ? pixels : rgbToGray(pixels);
}

/** Any frame → interleaved 8-bit RGB, w·h·3 bytes. */
export async function toRgb(frame: RawFrame): Promise<Uint8Array> {
  const info = checkFrame(frame);
  return info.compressed ? decode(frame, info, 3) : rawToRgb(frame);
}

/**
 * Any frame → JPEG bytes. JPEG frames pass through untouched (the same Uint8Array). Others are encoded with sharp at
 * `quality` (1–100): gray, binary and gray PNG frames as true 1-channel JPEGs, colour frames as 3-channel sRGB.
 */
export async function toJpeg(frame: RawFrame, { quality = 90 }: { quality?: number } = {}): Promise<Uint8Array> {
  if (!Number.isInteger(quality) || quality < 1 || quality > 100) throw new RangeError(`JPEG quality must be an integer from 1 to 100, got ${quality}`);
  const info = checkFrame(frame);
  if (info.family === 'jpeg') return frame.data;
  const { pixels, channels } =
    info.family === 'png'
      ? await decodeNative(frame, info)
      : info.family === 'grayscale' || info.family === 'binary'
        ? { pixels: rawToGray(frame), channels: 1 as const }
        : { pixels: rawToRgb(frame), channels: 3 as const };
  const sharp = await loadSharp();
  const img = sharp(pixels, { raw: { width: frame.width, height: frame.height, channels } });
  const jpeg = await (channels === 1 ? img.toColourspace('b-w') : img).jpeg({ quality }).toBuffer();
  return new Uint8Array(jpeg.buffer, jpeg.byteOffset, jpeg.length);
}

/** Decodes to 1 channel if the image is gray (with or without alpha), else to 3. */
async function decodeNative(frame: RawFrame, info: PixformatInfo): Promise<{ pixels: Uint8Array; channels: 1 | 3 }> {
  const sharp = await loadSharp();
  const meta = await sharp(frame.data)
    .metadata()
    .catch((err: unknown) => failed(frame, info, err));
  const channels = (meta.channels ?? 3) <= 2 ? 1 : 3;
  return { pixels: await decode(frame, info, channels), channels };
}

async function decode(frame: RawFrame, info: PixformatInfo, channels: 1 | 3): Promise<Uint8Array> {
  const sharp = await loadSharp();
  const img = sharp(frame.data, { failOn: 'error' }).removeAlpha();
  const { data, info: out } = await (channels === 1 ? img.toColourspace('b-w') : img.toColourspace('srgb'))
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true })
    .catch((err: unknown) => failed(frame, info, err));
  if (out.width !== frame.width || out.height !== frame.height || out.channels !== channels || data.length !== frame.width * frame.height * channels) {
    throw new FormatError(`a ${info.name} frame decodes to ${out.width}×${out.height}×${out.channels}, but its record says ${frame.width}×${frame.height}: the recording is inconsistent`);
  }
  return new Uint8Array(data.buffer, data.byteOffset, data.length);
}

function failed(frame: RawFrame, info: PixformatInfo, err: unknown): never {
  const why = err instanceof Error ? err.message.trim() : String(err);
  throw new FormatError(`a ${frame.width}×${frame.height} ${info.name} frame of ${frame.data.length} bytes cannot be decoded (${why}); the frame is damaged`, { cause: err });
}
