# Emulated OpenMV `image` module (the parts omvd's device scripts use): Image and ImageIO, following
# modules/py_imageio.c of the firmware: FILE streams in the "OMV IMG STR V2.0" format, MEMORY streams of fixed slots
# that never wrap by themselves (write/read past the last slot raise EOFError; the script seeks back to 0).
import struct
import time

BINARY = 0x08010000
GRAYSCALE = 0x08020001
RGB565 = 0x0C030002
BAYER = 0x05040001
YUV422 = 0x14050002
JPEG = 0x06060000
PNG = 0x06070000
_VALID = (BINARY, GRAYSCALE, RGB565, BAYER, 0x05040101, 0x05040201, 0x05040301, YUV422, 0x14050102, JPEG, PNG,
          0x0C080004)
_ALIGN = 16
_CACHE_LINE = 32
_SLOT_HEADER = 32  # IMAGE_T_SIZE_ALIGNED: u32 elapsed + image_t (w, h, pixfmt, size, 2 pointers) padded to a line


def _compressed(pixfmt):
    return (pixfmt >> 24) & 0x02 == 0x02 and (pixfmt >> 16) & 0xFF in (6, 7)


def image_size(w, h, pixfmt, size=0):
    fid = (pixfmt >> 16) & 0xFF
    if fid == 1:
        return ((w + 31) // 32) * 4 * h
    if fid in (6, 7):
        return size
    return w * h * (pixfmt & 0xFF)


class Image:
    def __init__(self, w, h, pixformat=GRAYSCALE, buffer=None, size=0):
        if pixformat not in _VALID:
            raise OSError("Invalid pixformat")
        self._w = w
        self._h = h
        self._pixfmt = pixformat
        self._size = size
        n = image_size(w, h, pixformat, size)
        self._data = memoryview(buffer)[:n] if buffer is not None else memoryview(bytearray(n))

    def width(self):
        return self._w

    def height(self):
        return self._h

    def format(self):
        return self._pixfmt

    def size(self):
        return len(self._data)

    def bytearray(self):
        return self._data

    def compress(self, quality=90):
        raise NotImplementedError("the virtual camera's sensor makes JPEG itself: sensor.set_pixformat(sensor.JPEG)")


FILE_STREAM = 0
MEMORY_STREAM = 1
_PAD = bytes(_ALIGN)


class ImageIO:
    FILE_STREAM = FILE_STREAM
    MEMORY_STREAM = MEMORY_STREAM

    def __init__(self, target, arg):
        self._closed = False
        self._offset = 0
        self._hdr = bytearray(_SLOT_HEADER)
        if isinstance(target, str):
            self._type = FILE_STREAM
            self._count = 0
            mode = arg[0]
            if mode == "w":
                self._fp = open(target, "wb")
                self._put(b"OMV IMG STR V2.0")  # through file_write too (py_imageio.c:504-508)
            elif mode == "r":
                self._fp = open(target, "rb")
                magic = self._fp.read(16)
                if magic[:13] != b"OMV IMG STR V" or magic[14:15] != b".":
                    raise OSError("Unexpected value read!")
                version = (magic[13] - 48) * 10 + magic[15] - 48
                if version != 20:
                    raise ValueError("Expected version V2.0 (the virtual camera reads only what it writes)")
            else:
                raise ValueError("Invalid stream mode, expected 'r' or 'w'")
        elif isinstance(target, tuple):
            w, h, pixfmt = target
            if pixfmt not in _VALID:
                raise OSError("Invalid image stream pixformat")
            self._type = MEMORY_STREAM
            template = image_size(w, h * 2, BINARY) if _compressed(pixfmt) else image_size(w, h, pixfmt)
            room = (template + _CACHE_LINE - 1) // _CACHE_LINE * _CACHE_LINE
            self._slot = _SLOT_HEADER + room
            self._count = arg
            self._buf = bytearray(self._slot * arg)
        else:
            raise ValueError("Invalid stream type")
        self._ms = time.ticks_ms()

    def _check(self):
        if self._closed:
            raise OSError("Stream closed")

    def type(self):
        return self._type

    def is_closed(self):
        return self._closed

    def count(self):
        return self._count

    def offset(self):
        return self._offset

    def version(self):
        return 20 if self._type == FILE_STREAM else None

    def buffer_size(self):
        return None if self._type == FILE_STREAM else self._slot - _SLOT_HEADER

    def size(self):
        if self._type == FILE_STREAM:
            return 0 if self._fp is None else _file_size(self._fp)
        return self._count * self._slot

    def write(self, img):
        self._check()
        ms = time.ticks_ms()
        elapsed = (ms - self._ms) & 0xFFFFFFFF  # u32 arithmetic, as the firmware's stream->ms
        self._ms = ms
        data = img.bytearray()
        n = len(data)
        if self._type == FILE_STREAM:
            size_field = img._size if _compressed(img._pixfmt) else 0
            struct.pack_into("<IIIII", self._hdr, 0, elapsed, img._w, img._h, img._pixfmt, size_field)
            self._put(memoryview(self._hdr)[:32])
            self._put(data)
            if n % _ALIGN:
                self._put(_PAD[: _ALIGN - n % _ALIGN])
            self._count = self._offset + 1
        else:
            if self._offset == self._count:
                raise EOFError("End of stream")
            if n > self._slot - _SLOT_HEADER:
                raise ValueError("Invalid frame size")
            base = self._offset * self._slot
            struct.pack_into("<IIIII", self._buf, base, elapsed, img._w, img._h, img._pixfmt, img._size)
            self._buf[base + _SLOT_HEADER: base + _SLOT_HEADER + n] = data
        self._offset += 1
        return self

    def _put(self, data):
        # file_write (common/file_utils.c:227-236): a short write (a full card) closes the file and raises
        # (:52-55); once closed, writes do nothing (:228-230), and close() neither.
        if self._fp is None:
            return
        if self._fp.write(data) != len(data):
            self._fp.close()
            self._fp = None
            raise OSError("Failed to write requested bytes!")

    def read(self, copy_to_fb=True, loop=True, pause=True):
        self._check()
        if self._type == FILE_STREAM:
            head = self._fp.read(32)
            if len(head) < 32:
                if not loop:
                    return None
                self._fp.seek(16)
                self._offset = 0
                head = self._fp.read(32)
                if len(head) < 32:
                    return None
            elapsed, w, h, pixfmt, size = struct.unpack_from("<IIIII", head, 0)
            self._pause(elapsed, pause)
            n = image_size(w, h, pixfmt, size)
            data = self._fp.read(n)
            if n % _ALIGN:
                self._fp.read(_ALIGN - n % _ALIGN)
            if self._offset >= self._count:
                self._count = self._offset + 1
            self._offset += 1
            return Image(w, h, pixfmt, bytearray(data), size)
        if self._offset == self._count:
            raise EOFError("End of stream")
        base = self._offset * self._slot
        elapsed, w, h, pixfmt, size = struct.unpack_from("<IIIII", self._buf, base)
        self._pause(elapsed, pause)
        n = image_size(w, h, pixfmt, size)
        self._offset += 1
        view = memoryview(self._buf)[base + _SLOT_HEADER: base + _SLOT_HEADER + n]
        return Image(w, h, pixfmt, view if not copy_to_fb else bytearray(view), size)

    def _pause(self, elapsed, pause):
        # Reading advances the same ms base that writing uses (stream->ms += elapsed_ms), in u32 arithmetic.
        if pause:
            wait = elapsed - ((time.ticks_ms() - self._ms) & 0xFFFFFFFF)
            if 0 < wait < 0x80000000:
                time.sleep_ms(wait)
        self._ms = (self._ms + elapsed) & 0xFFFFFFFF

    def seek(self, offset):
        self._check()
        if offset < 0 or (self._type == MEMORY_STREAM and self._count <= offset):
            raise ValueError("Invalid stream offset")
        if self._type == FILE_STREAM:
            self._fp.seek(16)
            for _ in range(offset):
                head = self._fp.read(32)
                if len(head) < 32:
                    raise EOFError("End of stream")
                _, w, h, pixfmt, size = struct.unpack_from("<IIIII", head, 0)
                n = image_size(w, h, pixfmt, size)
                self._fp.seek((n + _ALIGN - 1) // _ALIGN * _ALIGN, 1)
            if self._offset >= self._count:
                self._count = offset + 1
        self._offset = offset
        return self

    def sync(self):
        if self._type == FILE_STREAM and not self._closed and self._fp is not None:
            self._fp.flush()
        return self

    def close(self):
        if self._closed:
            return None
        if self._type == FILE_STREAM:
            if self._fp is not None:
                self._fp.close()
        else:
            self._buf = None
        self._closed = True
        return None


def _file_size(fp):
    here = fp.seek(0, 1)
    end = fp.seek(0, 2)
    fp.seek(here)
    return end
