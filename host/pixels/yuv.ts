/**
 * YUV 4:2:2 → 8-bit RGB exactly as the firmware's own conversion (lib/imlib/yuv.c imlib_deyuv_line): full-range
 * BT.601 (JPEG/JFIF, no 16–235 offset) in 7-bit fixed point, with Cb = U − 128 and Cr = V − 128:
 *   R = Y + (179 Cr >> 7)   G = Y − ((44 Cb + 91 Cr) >> 7)   B = Y + (227 Cb >> 7), each clamped to 0..255.
 *
 * Byte order, per row, pairs of pixels [Y0 C0 Y1 C1]. Despite the names, the firmware reads PIXFORMAT_YUV422 as
 * Y Cr Y Cb (C0 = V) and PIXFORMAT_YVU422 as Y Cb Y Cr (C0 = U): yuv.c, jpege.c (Cb = byte 3 for YUV422) and
 * stm_jpeg.c (YVU422 "matches" the hardware encoder's YUYV) agree, and the sensor drivers that output YUYV
 * declare YVU422. An odd last column pairs its own chroma with the previous pixel's, as yuv.c does.
 */
export function yuvToRgb(w: number, h: number, data: Uint8Array, firstChroma: 'U' | 'V'): Uint8Array {
  const out = new Uint8Array(w * h * 3);
  const vFirst = firstChroma === 'V';
  for (let y = 0, o = 0; y < h; y++) {
    const row = y * w * 2;
    for (let x = 0; x < w; x++, o += 3) {
      const at = row + 2 * x;
      let c0: number;
      let c1: number;
      if (x & 1) {
        c0 = data[at - 1] as number;
        c1 = data[at + 1] as number;
      } else {
        c0 = data[at + 1] as number;
        c1 = x + 1 < w ? (data[at + 3] as number) : x > 0 ? (data[at - 1] as number) : 128;
      }
      const cr = (vFirst ? c0 : c1) - 128;
      const cb = (vFirst ? c1 : c0) - 128;
      const luma = data[at] as number;
      out[o] = clamp(luma + ((179 * cr) >> 7));
      out[o + 1] = clamp(luma - ((44 * cb + 91 * cr) >> 7));
      out[o + 2] = clamp(luma + ((227 * cb) >> 7));
    }
  }
  return out;
}

const clamp = (v: number): number => (v < 0 ? 0 : v > 255 ? 255 : v);
