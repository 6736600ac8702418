# Small helpers shared by omvd's channels (MicroPython; no allocation on the read paths that use them).
import struct

MAGIC = b"OMV IMG STR V"


def image_size(w, h, pixfmt, size):
    # image_size() of the firmware: data bytes of one frame record.
    fid = (pixfmt >> 16) & 0xFF
    if fid == 1:
        return ((w + 31) // 32) * 4 * h
    if fid in (6, 7):
        return size
    return w * h * (pixfmt & 0xFF)


def record_span(w, h, pixfmt, size):
    n = image_size(w, h, pixfmt, size)
    return 32 + (n + 15) // 16 * 16


def u32(arg):
    if arg is None or len(arg) < 4:
        return None
    return struct.unpack_from("<I", arg, 0)[0]


def text(arg):
    if arg is None:
        return None
    try:
        return bytes(arg).decode()
    except Exception:
        return None
