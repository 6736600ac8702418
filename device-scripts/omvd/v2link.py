"""OpenMV Protocol V2, device side, in pure MicroPython: for firmware 4.x (no native `protocol` module) and
other MicroPython boards. Same API as the firmware's module, so channel backends work unchanged:

    from omvd import v2link as protocol
    protocol.init(pyb.USB_VCP())      # any stream with readinto/write (and any(), or a select-able stream)
    protocol.register(name="omvd.file", backend=obj)
    while True:
        protocol.poll()               # often: answers whatever complete requests arrived
        ...

The host opens the port at an ordinary rate (115200): on 4.x, 921600 and 12 000 000 switch the port into the
IDE's protocol and 1200 may enter the bootloader. The script must turn Ctrl-C off (USB_VCP.setinterrupt(-1) or
micropython.kbd_intr(-1)) so 0x03 bytes reach it, and needs an explicit stop command of its own.
Behaviour follows protocol/omv_protocol.c: sequence numbers, CRC-16/CRC-32, ACK/NAK statuses, fragments,
stop-and-wait with retransmissions when ACKs are on, and the same answers to each opcode.
"""
import gc
import struct
import time
from array import array

SYNC0, SYNC1 = 0xAA, 0xD5
HEADER = 10
F_ACK, F_NAK, F_RTX, F_ACK_REQ, F_FRAGMENT, F_EVENT = 1, 2, 4, 8, 16, 32
NO_ACK = F_ACK | F_NAK | F_EVENT
OK, FAILED, INVALID, BUSY, CHECKSUM, SEQUENCE, OVERFLOW = 0, 1, 2, 4, 5, 6, 7
PROTO_SYNC, GET_CAPS, SET_CAPS, STATS, VERSION = 0x00, 0x01, 0x02, 0x03, 0x04
SYS_RESET, SYS_BOOT, SYS_INFO, SYS_EVENT, SYS_MEMORY = 0x10, 0x11, 0x12, 0x13, 0x14
CH_LIST, CH_POLL, CH_LOCK, CH_UNLOCK, CH_SHAPE, CH_SIZE, CH_READ, CH_WRITE, CH_IOCTL, CH_EVENT = range(0x20, 0x2A)
MAX_PAYLOAD = 4082
MIN_PAYLOAD = 50
EVENT_CHANNEL_REGISTERED = 0x02
FLAG_DYNAMIC = 32
MAX_CHANNELS = 32
READ_CHUNK = 512


def _tables():
    # CRC-16 (poly 0xF94F) and CRC-32 (poly 0xFA567D89), MSB first. The 32-bit table is kept as two 16-bit
    # halves so every value stays a small int (MicroPython allocates ints of 31 bits and more).
    t16, thi, tlo = array("H", range(256)), array("H", range(256)), array("H", range(256))
    for i in range(256):
        c = i << 8
        for _ in range(8):
            c = ((c << 1) ^ 0xF94F) & 0xFFFF if c & 0x8000 else (c << 1) & 0xFFFF
        t16[i] = c
        hi, lo = i << 8, 0
        for _ in range(8):
            top = hi & 0x8000
            hi = ((hi << 1) & 0xFFFF) | (lo >> 15)
            lo = (lo << 1) & 0xFFFF
            if top:
                hi ^= 0xFA56
                lo ^= 0x7D89
        thi[i], tlo[i] = hi, lo
    return t16, thi, tlo


_T16, _THI, _TLO = _tables()


def crc16(buf, n):
    c = 0xFFFF
    t = _T16
    for i in range(n):
        c = ((c << 8) & 0xFFFF) ^ t[((c >> 8) ^ buf[i]) & 0xFF]
    return c


def crc32_into(buf, n, out, at):
    # Writes the little-endian CRC-32 of buf[:n] at out[at:at + 4].
    hi, lo = 0xFFFF, 0xFFFF
    th, tl = _THI, _TLO
    for i in range(n):
        x = ((hi >> 8) ^ buf[i]) & 0xFF
        hi = (((hi << 8) & 0xFFFF) | (lo >> 8)) ^ th[x]
        lo = ((lo << 8) & 0xFFFF) ^ tl[x]
    out[at] = lo & 0xFF
    out[at + 1] = lo >> 8
    out[at + 2] = hi & 0xFF
    out[at + 3] = hi >> 8


class _Channel:
    def __init__(self, cid, name):
        self.id = cid
        self.name = name

    def send_event(self, event, wait_ack=False):
        if not _link.event(self.id, event, wait_ack):
            raise RuntimeError("Failed to send channel event")


class _Link:
    def __init__(self, stream, crc, seq, ack, events, max_payload, rtx_retries, rtx_timeout_ms, lock_interval_ms,
                 uid, usb_id, ticks_ms):
        self.stream = stream
        self.defaults = [crc, seq, ack, events, max_payload]
        self.crc, self.seq_on, self.ack, self.events, self.max_payload = self.defaults
        self.rtx_retries = rtx_retries
        self.rtx_timeout = rtx_timeout_ms
        self.lock_interval = lock_interval_ms
        self.uid = uid
        self.usb_id = usb_id
        self.ticks = ticks_ms
        self.seq = 0
        self.rx = bytearray(MAX_PAYLOAD + 64 + 4096)
        self.rxv = memoryview(self.rx)
        self.n = 0
        self.hdr = bytearray(HEADER)
        self.trailer = bytearray(4)
        self.small = bytearray(80)  # replies that fit: caps, stats, version, sys info, sizes, statuses
        self.waiting = None  # [opcode, seq, status]
        self.last_lock = None
        self.channels = [None] * MAX_CHANNELS
        self.stats = [0] * 7  # sent, received, checksum, sequence, retransmit, transport, events
        self.channels[0] = ("usb", 64, None)
        for cid, name, flags in ((1, "stdin", 6), (2, "stdout", 1), (3, "stream", 25)):
            self.channels[cid] = (name, flags, None)

    # -- output -------------------------------------------------------------------------------------------
    def _write(self, buf):
        mv = memoryview(buf)
        while len(mv):
            n = self.stream.write(mv)
            if n is None:
                n = 0
            mv = mv[n:]
            if n == 0:
                time.sleep_ms(1)

    def _emit(self, opcode, chan, flags, data, start, length):
        h = self.hdr
        struct.pack_into("<BBBBBBH", h, 0, SYNC0, SYNC1, self.seq, chan, flags, opcode, length)
        c = crc16(h, 8) if self.crc else 0
        h[8] = c & 0xFF
        h[9] = c >> 8
        self._write(h)
        if length:
            part = memoryview(data)[start:start + length]
            self._write(part)
            t = self.trailer
            if self.crc:
                crc32_into(part, length, t, 0)
            else:
                t[0] = t[1] = t[2] = t[3] = 0
            self._write(t)

    def send(self, opcode, chan, data, length, flags):
        if not self.ack:
            flags &= ~F_ACK_REQ
        elif not flags & NO_ACK:
            flags |= F_ACK_REQ
        at = 0
        while True:
            n = min(length - at, self.max_payload)
            frag = flags | F_FRAGMENT if length - at > self.max_payload else flags
            retries, timeout = self.rtx_retries, self.rtx_timeout
            while True:
                self.waiting = [opcode, self.seq, None] if flags & F_ACK_REQ else None
                self._emit(opcode, chan, frag, data, at, n)
                if self.waiting is None:
                    break
                start = self.ticks()
                while self.waiting is not None and self.waiting[2] is None:
                    if not self._pump():
                        return False  # a SYNC arrived while waiting: the send is abandoned
                    if time.ticks_diff(self.ticks(), start) > timeout:
                        break
                    time.sleep_ms(1)
                if self.waiting is not None and self.waiting[2] == OK:
                    self.waiting = None
                    break
                if retries <= 0:
                    self.reset()
                    return False
                retries -= 1
                timeout *= 2
                self.stats[4] += 1
                frag |= F_RTX if self.crc else 0
            at += n
            if not flags & F_EVENT:
                self.seq = (self.seq + 1) & 0xFF
                self.stats[0] += 1
            if at >= length:
                return True

    def status(self, opcode, chan, status):
        if status == SEQUENCE:
            self.stats[3] += 1
        elif status == CHECKSUM:
            self.stats[2] += 1
        if status == OK:
            return self.send(opcode, chan, None, 0, F_ACK)
        struct.pack_into("<H", self.small, 0, status)
        return self.send(opcode, chan, self.small, 2, F_NAK)

    def reply(self, opcode, chan, fmt, *values):
        struct.pack_into(fmt, self.small, 0, *values)
        return self.send(opcode, chan, self.small, struct.calcsize(fmt), 0)

    def event(self, chan, event, wait_ack):
        if not self.events:
            return False
        self.stats[6] += 1
        op = SYS_EVENT if chan == 0 else CH_EVENT
        flags = F_EVENT | (F_ACK_REQ if wait_ack else 0)
        if event == 0xFFFF:
            return self.send(op, chan, None, 0, flags)
        struct.pack_into("<H", self.small, 0, event)
        return self.send(op, chan, self.small, 2, flags)

    def reset(self):
        self.seq = 0
        self.waiting = None
        self.n = 0
        self.crc, self.seq_on, self.ack, self.events, self.max_payload = self.defaults
        for ch in self.channels:
            if ch is not None and ch[2] is not None and hasattr(ch[2], "unlock"):
                _call(ch[2], "unlock")

    # -- input ------------------------------------------------------------------------------------------
    def _fill(self):
        room = len(self.rx) - self.n
        if room <= 0:
            return
        s = self.stream
        avail = s.any() if hasattr(s, "any") else room
        if not avail:
            return
        got = s.readinto(self.rxv[self.n:self.n + min(avail, room)])
        if got:
            self.n += got

    def _consume(self, k):
        self.rx[0:self.n - k] = self.rxv[k:self.n]
        self.n -= k

    def _header_ok(self, at):
        if not self.crc:
            return True
        return crc16(self.rxv[at:], 8) == self.rx[at + 8] | (self.rx[at + 9] << 8)

    def _pump(self):
        # Reads what is there and handles every complete packet; False if a SYNC ended an ACK wait.
        self._fill()
        rx = self.rx
        while self.n >= 2:
            if self.waiting is not None:
                return self._scan_ack()
            if rx[0] != SYNC0 or rx[1] != SYNC1:
                self._consume(1)
                continue
            if self.n < HEADER:
                return True
            _, _, seq, chan, flags, opcode, length = struct.unpack_from("<BBBBBBH", rx, 0)
            if not self._header_ok(0):
                self._consume(1)
                continue
            if length > self.max_payload:
                self._consume(1)
                self.status(opcode, chan, OVERFLOW)
                continue
            if self.seq_on and seq != self.seq and not flags & (F_ACK | F_NAK) and opcode not in (SYS_EVENT, CH_EVENT, PROTO_SYNC):
                self._consume(1)
                self.status(opcode, chan, SEQUENCE)
                continue
            size = HEADER + length + (4 if length else 0)
            if self.n < size:
                at = self._find_sync(1)
                if at < 0:
                    return True
                self._consume(at)
                continue
            if length and self.crc:
                crc32_into(self.rxv[HEADER:], length, self.trailer, 0)
                bad = self.rxv[HEADER + length:HEADER + length + 4] != self.trailer
            else:
                bad = False
            if bad:
                self._consume(size)
                self.status(opcode, chan, CHECKSUM)
            elif chan != 0 and opcode <= SYS_MEMORY:
                self._consume(size)
                self.status(opcode, chan, INVALID)
            elif flags & (F_ACK | F_NAK):
                self._consume(size)
            else:
                payload = bytes(self.rxv[HEADER:HEADER + length]) if length else b""
                self._consume(size)
                self.stats[1] += 1
                self.process(opcode, chan, payload)
        return True

    def _is_sync(self, at):
        r = self.rx
        return (r[at] == SYNC0 and r[at + 1] == SYNC1 and r[at + 3] == 0 and r[at + 5] == PROTO_SYNC
                and r[at + 6] == 0 and r[at + 7] == 0 and self._header_ok(at))

    def _find_sync(self, start):
        for at in range(start, self.n - HEADER + 1):
            if self._is_sync(at):
                return at
        return -1

    def _scan_ack(self):
        w = self.waiting
        r = self.rx
        for at in range(0, self.n - HEADER + 1):
            if r[at] != SYNC0 or r[at + 1] != SYNC1:
                continue
            if self._is_sync(at):
                self._consume(at + HEADER)
                self.waiting = None
                self.process(PROTO_SYNC, 0, b"")
                return False
            flags = r[at + 4]
            if flags & (F_ACK | F_NAK) and r[at + 5] == w[0] and r[at + 2] == w[1] and self._header_ok(at):
                self.rx[at:self.n - HEADER] = self.rxv[at + HEADER:self.n]
                self.n -= HEADER
                w[2] = OK if flags & F_ACK else FAILED
                return True
        return True

    # -- requests ---------------------------------------------------------------------------------------
    def process(self, op, chan, p):
        ch = self.channels[chan] if chan < MAX_CHANNELS else None
        be = ch[2] if ch is not None else None
        if op == PROTO_SYNC:
            self.reset()
            self.status(op, chan, OK)
            self.seq = 0
        elif op == GET_CAPS:
            flags = (1 if self.crc else 0) | (2 if self.seq_on else 0) | (4 if self.ack else 0) | (8 if self.events else 0)
            self.reply(op, chan, "<IH10x", flags, self.max_payload)
        elif op == SET_CAPS:
            if len(p) != 16:
                return self.status(op, chan, INVALID)
            flags, mp = struct.unpack_from("<IH", p, 0)
            if mp < MIN_PAYLOAD or mp > MAX_PAYLOAD:
                return self.status(op, chan, INVALID)
            self.status(op, chan, OK)
            self.crc, self.seq_on, self.ack, self.events = bool(flags & 1), bool(flags & 2), bool(flags & 4), bool(flags & 8)
            self.max_payload = mp
        elif op == STATS:
            self.reply(op, chan, "<7I4x", *self.stats)
        elif op == VERSION:
            self.reply(op, chan, "<9B7x", 1, 0, 2, 0, 0, 0, 4, 8, 1)
        elif op == SYS_INFO:
            u = self.uid
            self.reply(op, chan, "<I3II3I8x2I4I12x", 0, struct.unpack(">I", u[0:4])[0], struct.unpack(">I", u[4:8])[0],
                       struct.unpack(">I", u[8:12])[0], self.usb_id, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        elif op == SYS_MEMORY:
            used, free = gc.mem_alloc(), gc.mem_free()
            self.reply(op, chan, "<B3xBxH5I", 1, 0, 0, used + free, used, free, 0, 0)
        elif op in (SYS_RESET, SYS_BOOT):
            pass
        elif op == CH_LIST:
            out = bytearray()
            for cid in range(MAX_CHANNELS):
                c = self.channels[cid]
                if c is not None:
                    name = c[0].encode()[:13]
                    out += bytes((cid, c[1])) + name + bytes(14 - len(name))
            self.send(op, chan, out, len(out), 0)
        elif op == CH_POLL:
            mask = 0
            for cid in range(MAX_CHANNELS):
                c = self.channels[cid]
                if c is not None and c[2] is not None and _call(c[2], "poll"):
                    mask |= 1 << cid
            self.reply(op, chan, "<I", mask)
        elif op == CH_LOCK:
            if self.last_lock is not None and time.ticks_diff(self.ticks(), self.last_lock) <= self.lock_interval:
                return self.status(op, chan, BUSY)
            if be is not None and _call(be, "lock"):
                self.last_lock = self.ticks()
                return self.status(op, chan, OK)
            self.status(op, chan, BUSY)
        elif op == CH_UNLOCK:
            self.status(op, chan, OK if be is not None and _call(be, "unlock") else BUSY)
        elif op == CH_SIZE:
            if be is None or not hasattr(be, "size"):
                return self.status(op, chan, INVALID)
            n = _call(be, "size")
            self.reply(op, chan, "<I", (n or 0) & 0xFFFFFFFF)
        elif op == CH_SHAPE:
            if be is None or not hasattr(be, "shape"):
                return self.status(op, chan, INVALID)
            s = _call(be, "shape")
            s = tuple(s)[:4] if isinstance(s, tuple) else ()
            self.reply(op, chan, "<%dI" % len(s), *s)
        elif op == CH_READ:
            self.read(chan, be, p)
        elif op == CH_WRITE:
            if be is None or not hasattr(be, "write") or len(p) < 8:
                return self.status(op, chan, INVALID)
            offset, length = struct.unpack_from("<II", p, 0)
            if not length:
                return self.status(op, chan, INVALID)
            r = _call(be, "write", offset, bytearray(p[8:8 + length]))
            self.status(op, chan, OK if (r if isinstance(r, int) else (-1 if r is _FAIL else 0)) else FAILED)
        elif op == CH_IOCTL:
            if be is None or not hasattr(be, "ioctl") or len(p) < 4:
                return self.status(op, chan, INVALID)
            req = struct.unpack_from("<I", p, 0)[0]
            arg = bytearray(p[4:]) if len(p) > 4 else None
            r = _call(be, "ioctl", req, len(p) - 4, arg)
            self.status(op, chan, OK if r is None or r == 0 else FAILED)
        else:
            self.status(op, chan, INVALID)

    def read(self, chan, be, p):
        offset, length = struct.unpack_from("<II", p, 0) if len(p) >= 8 else (0, 0)
        if not length or be is None or not (hasattr(be, "readp") or hasattr(be, "read")):
            return self.status(CH_READ, chan, INVALID)
        if hasattr(be, "readp"):
            data = _call(be, "readp", offset, length)
            if data is None or data is _FAIL or len(data) < length:
                return self.status(CH_READ, chan, FAILED)
            return self.send(CH_READ, chan, data, length, 0)
        chunk = min(READ_CHUNK, self.max_payload)
        while length > 0:
            data = _call(be, "read", offset, min(length, chunk))
            if data is None or data is _FAIL or not len(data):
                return self.status(CH_READ, chan, FAILED)
            n = min(len(data), length)
            length -= n
            offset += n
            if not self.send(CH_READ, chan, data, n, F_FRAGMENT if length else 0):
                return


_FAIL = object()
_link = None


def _call(backend, method, *args):
    # A backend that raises fails the request, as in modules/py_protocol.c; it never takes the link down.
    try:
        return getattr(backend, method)(*args)
    except Exception:
        return _FAIL if method in ("read", "readp", "write", "size", "shape") else (1 if method == "ioctl" else False)


# The USB id (VID << 16 | PID) of each board by the start of omv.arch(), its OMV_BOARD_ARCH (OMV_ARCH_STR on 4.x)
# and OMV_BOARD_USB_VID/PID in boards/*/board_config.h; a longer prefix first. A script cannot ask 4.x firmware for
# its USB id (and before v4.6 every board enumerated as 1209:ABD1), so SYS_INFO names the board this way, or as
# unknown (0), never as another board.
_USB_IDS = (
    ("OMV4P H7", 0x37C5124A),
    ("OMV4 H7", 0x37C51204),
    ("OMV3 F7", 0x37C51203),
    ("OMV2 F4", 0x37C51202),
    ("OMVRT1060", 0x37C51060),
    ("NICLAV H7", 0x2341045F),
    ("PORTENTA H7", 0x2341045B),
)


def _board_usb_id():
    try:
        import omv

        arch = omv.arch()
    except Exception:
        return 0
    for prefix, usb_id in _USB_IDS:
        if arch.startswith(prefix):
            return usb_id
    return 0


def init(stream, crc=True, seq=True, ack=True, events=True, max_payload=MAX_PAYLOAD, rtx_retries=3, rtx_timeout_ms=500,
         lock_interval_ms=10, uid=None, usb_id=None, ticks_ms=None):
    global _link
    if usb_id is None:
        usb_id = _board_usb_id()
    if uid is None:
        try:
            import machine

            uid = machine.unique_id()
        except Exception:
            uid = bytes(12)
    uid = bytes(uid)[:12]
    uid = bytes(12 - len(uid)) + uid
    _link = _Link(stream, crc, seq, ack, events, max_payload, rtx_retries, rtx_timeout_ms, lock_interval_ms, uid, usb_id,
                  ticks_ms or time.ticks_ms)


def register(name, backend, flags=0):
    for cid in range(1, MAX_CHANNELS):
        if _link.channels[cid] is None:
            if hasattr(backend, "init") and _call(backend, "init") is _FAIL:
                raise RuntimeError("Failed to register channel")
            # As modules/py_protocol.c: the READ, WRITE and LOCK flags follow from the methods the backend has.
            if hasattr(backend, "read") or hasattr(backend, "readp"):
                flags |= 1
            if hasattr(backend, "write"):
                flags |= 2
            if hasattr(backend, "lock") and hasattr(backend, "unlock"):
                flags |= 8
            _link.channels[cid] = (name[:13], flags | FLAG_DYNAMIC, backend)
            _link.event(0, EVENT_CHANNEL_REGISTERED, False)
            return _Channel(cid, name)
    raise RuntimeError("Failed to register channel")


def poll():
    _link._pump()


def is_active():
    return _link is not None
