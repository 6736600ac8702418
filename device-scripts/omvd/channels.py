# The omvd Protocol V2 channels. Backends follow the firmware's conventions (modules/py_protocol.c): readp returns
# exactly `size` bytes or None; write returns a nonzero count on success; ioctl returns None/0 on success and a
# nonzero int on failure; an exception is a failure too, never a crash.
import json
import struct
import time

from omvd import util

SNAPSHOT = 1  # omvd.cat
SELECT = 1  # omvd.file, omvd.live
EXEC = 1  # omvd.ctl
FILE_BUFFER = 32 * 1024


class Catalog:
    """omvd.cat: a JSON snapshot of the recordings, taken on ioctl SNAPSHOT, read with size()/readp()."""

    def __init__(self, state):
        self.state = state
        self.doc = b"{}"

    def ioctl(self, cmd, length, arg):
        if cmd != SNAPSHOT:
            return 1
        self.doc = json.dumps(self.state.catalog()).encode()
        return 0

    def size(self):
        return len(self.doc)

    def readp(self, offset, size):
        if offset + size > len(self.doc):
            return None
        return memoryview(self.doc)[offset:offset + size]


class FileChannel:
    """omvd.file: ioctl SELECT(name), then the recording's bytes by offset, also while it grows."""

    def __init__(self, storage):
        self.storage = storage
        self.buf = bytearray(FILE_BUFFER)
        self.mv = memoryview(self.buf)
        self.name = None
        self.f = None
        self.known = 0  # size when the handle was opened: FatFS shows growth to a new handle only

    def _reopen(self):
        if self.f is not None:
            self.f.close()
            self.f = None
        self.f = open(self.storage.path(self.name), "rb")
        self.known = self.storage.size_of(self.name) or 0

    def ioctl(self, cmd, length, arg):
        if cmd != SELECT:
            return 1
        name = util.text(arg)
        if name is None or name not in self.storage.names():
            return 1
        self.name = name
        self._reopen()
        return 0

    def size(self):
        if self.name is None:
            return 0
        return self.storage.size_of(self.name) or 0

    def readp(self, offset, size):
        if self.name is None or size > FILE_BUFFER:
            return None
        if offset + size > self.known:
            self._reopen()
            if offset + size > self.known:
                return None
        self.f.seek(offset)
        view = self.mv[:size]
        if self.f.readinto(view) != size:
            return None
        return view

    def close(self):
        if self.f is not None:
            self.f.close()
            self.f = None


class Live:
    """omvd.live: the newest frames in a MEMORY-stream ring, by sequence number (0xFFFFFFFF = newest)."""

    def __init__(self):
        self.ring = None
        self.slots = 0
        self.next_seq = 0
        self.seq_ms = []
        self.out = None
        self.out_len = 0
        self.last_selected = -1
        self.dropped = 0

    def start(self, w, h, pixformat, slots):
        import image

        self.stop()
        self.ring = image.ImageIO((w, h, pixformat), slots)
        self.slots = slots
        self.next_seq = 0
        self.seq_ms = [0] * slots
        self.out = bytearray(32 + self.ring.buffer_size())
        self.out_len = 0
        self.last_selected = -1

    def stop(self):
        if self.ring is not None:
            self.ring.close()
        self.ring = None
        self.out = None

    def add(self, img):
        if self.ring is None:
            return
        slot = self.next_seq % self.slots
        self.ring.seek(slot)
        self.ring.write(img)  # a MEMORY stream never wraps by itself: seeking back to the slot makes the ring
        self.seq_ms[slot] = time.ticks_ms()
        self.next_seq += 1

    def oldest(self):
        return max(0, self.next_seq - self.slots)

    def shape(self):
        return (self.oldest(), self.next_seq, self.slots, 0)

    def poll(self):
        return self.ring is not None and self.next_seq - 1 > self.last_selected

    def ioctl(self, cmd, length, arg):
        seq = util.u32(arg)
        if cmd != SELECT or seq is None or self.ring is None or self.next_seq == 0:
            return 1
        if seq == 0xFFFFFFFF:
            seq = self.next_seq - 1
        if seq < self.oldest() or seq >= self.next_seq:
            return 1
        slot = seq % self.slots
        self.ring.seek(slot)
        img = self.ring.read(copy_to_fb=False, loop=False, pause=False)
        data = img.bytearray()
        n = len(data)
        struct.pack_into("<IIIIIIII", self.out, 0, seq, self.seq_ms[slot] & 0xFFFFFFFF, img.width(), img.height(),
                         img.format(), n, self.dropped, 0)
        self.out[32:32 + n] = data
        self.out_len = 32 + n
        self.last_selected = seq
        return 0

    def size(self):
        return self.out_len

    def readp(self, offset, size):
        if self.out is None or offset + size > self.out_len:
            return None
        return memoryview(self.out)[offset:offset + size]


class Control:
    """omvd.ctl: write a JSON command (offset 0 starts one), ioctl EXEC runs it, read the JSON reply.

    A command with an "id" runs once: the host sends EXEC again when it cannot tell whether the first one arrived,
    and an EXEC of the same id only answers as the first did (a second "record" or "delete" would fail)."""

    def __init__(self, state):
        self.state = state
        self.cmd = bytearray()
        self.reply = b'{"ok":true}'
        self.last_id = None
        self.last_status = 0

    def write(self, offset, data):
        if offset == 0:
            self.cmd = bytearray()
        if offset != len(self.cmd) or len(self.cmd) + len(data) > 8192:
            return 0
        self.cmd.extend(data)
        return len(data)

    def ioctl(self, cmd, length, arg):
        if cmd != EXEC:
            return 1
        cid = None
        try:
            command = json.loads(bytes(self.cmd).decode())
            if not isinstance(command, dict):
                raise ValueError("a command is a JSON object")
            cid = command.get("id")
            if cid is not None and cid == self.last_id:
                return self.last_status
            result = self.state.command(command)
            result["ok"] = True
            self.reply = json.dumps(result).encode()
            self.last_status = 0
        except Exception as e:
            self.reply = json.dumps({"ok": False, "error": str(e) or repr(e)}).encode()
            self.last_status = 1
        self.last_id = cid
        return self.last_status

    def size(self):
        return len(self.reply)

    def readp(self, offset, size):
        if offset + size > len(self.reply):
            return None
        return memoryview(self.reply)[offset:offset + size]
