# The recordings on the camera's storage: listing, sizes, hashes (computed once, in small steps) and frame counts.
import binascii
import hashlib
import json
import os
import struct
import time

from omvd import util

HASH_FILE = ".omvd-hashes.json"
STEP = 32 * 1024
# With nothing to hash, the folder is looked at again after this long: each look stats and opens every entry, which
# 500 idle turns a second would spend on the card (and the processor) while the host reads from it. A recording the
# recorder closes is looked at at once.
IDLE_SCAN_MS = 1000
SMALL_INT_MAX = 0x3FFFFFFF  # the largest small int of a 32-bit MicroPython: byte counts above it would allocate


class Storage:
    def __init__(self, folder):
        self.folder = folder
        self.cache = {}  # name -> [size, sha256 hex, frames]
        self.open_name = None  # the recording being written, never hashed or deleted
        self.open_frames = 0
        self._job = None
        self._next_scan = time.ticks_ms()
        self._scanned_open = None
        self.broken = {}  # name -> why it could not be hashed
        self._buf = bytearray(STEP)
        self._mv = memoryview(self._buf)
        try:
            with open(self.path(HASH_FILE)) as f:
                data = json.load(f)
            if isinstance(data, dict):
                self.cache = data
        except Exception:
            self.cache = {}

    def path(self, name):
        return self.folder + "/" + name

    def size_of(self, name):
        try:
            return os.stat(self.path(name))[6]
        except OSError:
            return None

    def free_bytes(self):
        # One cluster is kept back: a frame may need one more than its bytes fill.
        try:
            st = os.statvfs(self.folder)
        except (AttributeError, OSError):
            return SMALL_INT_MAX  # cannot tell: the write itself will say
        return min(SMALL_INT_MAX, max(0, st[4] - 1) * st[0])

    def why_not(self, name):
        """Why an entry of the folder is not a recording to serve, or None when it is one."""
        if name in self.broken:
            return "cannot be hashed (%s)" % self.broken[name]
        path = self.path(name)
        try:
            if os.stat(path)[0] & 0x4000:
                return "a folder"
            if not name.endswith(".bin"):
                return "not a .bin file"
            with open(path, "rb") as f:
                if f.read(13) != util.MAGIC:
                    return "not an ImageIO recording (no 'OMV IMG STR V' header)"
        except OSError as e:
            return "cannot be read (OSError %s)" % e
        return None

    def scan(self):
        """The recordings (any name the card holds), and every other entry with why it is not one."""
        names, skipped = [], []
        for name in sorted(os.listdir(self.folder)):
            if name == HASH_FILE:
                continue
            why = self.why_not(name)
            if why is None:
                names.append(name)
            else:
                skipped.append((name, why))
        return names, skipped

    def names(self):
        return self.scan()[0]

    def hashing(self):
        job = self._job
        return None if job is None else {"name": job[0], "done": job[2], "size": job[1]}

    def fail(self, e):
        # A recording the hasher cannot read is set aside (and reported), not retried at every step.
        job = self._job
        if job is None:
            return
        self._job = None
        self.broken[job[0]] = "%s: %s" % (type(e).__name__, e)
        try:
            job[4].close()
        except Exception:
            pass

    def entries(self):
        out = []
        for name in self.names():
            size = self.size_of(name)
            if size is None:
                continue
            is_open = name == self.open_name
            known = self.cache.get(name)
            ok = known is not None and known[0] == size and not is_open
            out.append({"name": name, "size": size, "open": is_open,
                        "frames": self.open_frames if is_open else (known[2] if ok else None),
                        "sha256": known[1] if ok else None})
        return out

    def _save(self):
        try:
            with open(self.path(HASH_FILE), "w") as f:
                json.dump(self.cache, f)
        except OSError:
            pass

    def step(self):
        # One bounded piece of work: start a job for the next closed, unhashed recording, or continue one.
        # Returns True while there is work left.
        if self._job is None:
            now = time.ticks_ms()
            if self.open_name == self._scanned_open and time.ticks_diff(self._next_scan, now) > 0:
                return False
            self._scanned_open = self.open_name
            for name in self.names():
                if name == self.open_name:
                    continue
                size = self.size_of(name)
                known = self.cache.get(name)
                if size is not None and (known is None or known[0] != size):
                    self._job = [name, size, 0, hashlib.sha256(), open(self.path(name), "rb"), 16, 0]
                    break
            if self._job is None:
                self._next_scan = time.ticks_add(now, IDLE_SCAN_MS)
                return False
        job = self._job
        name, size, at, h, f = job[0], job[1], job[2], job[3], job[4]
        if at < size:
            f.seek(at)
            n = f.readinto(self._mv[:min(STEP, size - at)])
            if not n:
                job[1] = at  # shorter than when listed: hash what is there, a later pass sees the new size
            else:
                h.update(self._mv[:n])
                job[2] = at + n
            return True
        # Then count the frame records, a batch of headers per step.
        pos, frames = job[5], job[6]
        hdr = self._mv[:32]
        for _ in range(256):
            if pos + 32 > size:
                break
            f.seek(pos)
            if f.readinto(hdr) != 32:
                break
            w, hh, pixfmt, sz = struct.unpack_from("<IIII", self._buf, 4)
            span = util.record_span(w, hh, pixfmt, sz)
            if pos + span > size:
                break
            pos += span
            frames += 1
        else:
            job[5], job[6] = pos, frames
            return True
        f.close()
        self.cache[name] = [size, binascii.hexlify(h.digest()).decode(), frames]
        self._job = None
        self._save()
        return True

    def forget(self, name):
        if self._job is not None and self._job[0] == name:
            self._job[4].close()
            self._job = None
        self.cache.pop(name, None)
        self._save()

    def next_name(self):
        n = 1
        existing = set(os.listdir(self.folder))
        while "rec_%04d.bin" % n in existing:
            n += 1
        return "rec_%04d.bin" % n
