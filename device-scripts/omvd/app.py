# omvd's device application: the channels, the recorder and the storage, and the commands of omvd.ctl.
import binascii
import gc
import os
import time

from omvd import channels, recorder
from omvd.storage import Storage

MAX_SKIPPED = 100


def board_id():
    try:
        import machine

        return binascii.hexlify(machine.unique_id()).decode().upper()
    except Exception:
        try:
            import omv

            return omv.board_id()
        except Exception:
            return None


class App:
    def __init__(self, folder):
        self.storage = Storage(folder)
        self.live = channels.Live()
        self.recorder = recorder.Recorder(self.storage, self.live)
        self.clock_offset = None  # epoch ms - ticks ms, once the host set the clock
        self.exit = False
        self.id = board_id()
        self.file = channels.FileChannel(self.storage)

    def register(self, protocol):
        protocol.register(name="omvd.cat", backend=channels.Catalog(self))
        protocol.register(name="omvd.file", backend=self.file)
        protocol.register(name="omvd.live", backend=self.live)
        protocol.register(name="omvd.ctl", backend=channels.Control(self))

    def clock_ms(self):
        return None if self.clock_offset is None else self.clock_offset + time.ticks_ms()

    def catalog(self):
        free = None
        try:
            st = os.statvfs(self.storage.folder)
            free = st[0] * st[3]
        except (AttributeError, OSError):
            pass
        skipped = self.storage.scan()[1]
        return {"v": 1, "id": self.id, "clock_ms": self.clock_ms(), "ticks_ms": time.ticks_ms(),
                "recordings": self.storage.entries(), "recording": self.recorder.status(),
                "recorder_error": self.recorder.error, "hashing": self.storage.hashing(), "free": free,
                "skipped": [{"name": n, "reason": why} for n, why in skipped[:MAX_SKIPPED]],
                "skipped_more": max(0, len(skipped) - MAX_SKIPPED)}

    def command(self, c):
        cmd = c.get("cmd")
        if cmd == "status":
            gc.collect()
            return {"recording": self.recorder.status(), "recorder_error": self.recorder.error, "clock_ms": self.clock_ms(),
                    "heap_used": gc.mem_alloc(), "heap_free": gc.mem_free()}
        if cmd == "record":
            cfg = recorder.parse(c)
            self.recorder.start(cfg)
            status = self.recorder.status()
            return {"recording": status, "controls": status["controls"], "warnings": status["warnings"]}
        if cmd == "stop":
            self.recorder.stop()
            return {}
        if cmd == "clock":
            t = c.get("epoch_ms")
            if not isinstance(t, (int, float)) or t < 0:
                raise ValueError("clock: 'epoch_ms' must be milliseconds since 1970")
            self.clock_offset = int(t) - time.ticks_ms()
            return {"clock_ms": self.clock_ms()}
        if cmd == "delete":
            return self._delete(c.get("name"), c.get("sha256"))
        if cmd == "exit":
            self.exit = True
            return {}
        raise ValueError("unknown command %r (status, record, stop, clock, delete, exit)" % (cmd,))

    def _delete(self, name, sha256):
        if not isinstance(name, str) or name not in self.storage.names():
            raise ValueError("delete: no recording named %r" % (name,))
        if name == self.storage.open_name:
            raise ValueError("delete: %s is being recorded" % name)
        known = self.storage.cache.get(name)
        if known is None or known[0] != self.storage.size_of(name):
            raise ValueError("delete: %s is not hashed yet; try again later" % name)
        if sha256 != known[1]:
            raise ValueError("delete: the hash given does not match %s; nothing deleted" % name)
        if self.file.name == name:
            self.file.close()
            self.file.name = None
        os.remove(self.storage.path(name))
        self.storage.forget(name)
        return {"deleted": name}

    def step(self):
        """One turn of the main loop's work; False when idle. An error ends what raised it, never the script."""
        try:
            if self.recorder.step():
                return True
        except Exception as e:  # a full card, an I/O error, a MemoryError: the channels go on serving
            self.recorder.fail(e)
            return True
        try:
            return self.storage.step()
        except Exception as e:
            self.storage.fail(e)
            return True

    def close(self):
        self.recorder.stop()
        self.file.close()
