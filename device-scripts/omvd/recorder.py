# Records the sensor to rotating ImageIO FILE streams (rec_0001.bin, …) and/or the live MEMORY-stream ring.
import time

PIXFORMATS = ("GRAYSCALE", "RGB565", "JPEG")
FRAMESIZES = ("QQQVGA", "QQVGA", "HQVGA", "QVGA", "HVGA", "VGA")
TARGETS = ("file", "memory", "both")
SYNC_MS = 100


def _field(cfg, key, default, check, what):
    value = cfg.get(key, default)
    if not check(value):
        raise ValueError("record: '%s' %s (got %r)" % (key, what, value))
    return value


def parse(cfg):
    """Validates a record command; every error names the field."""
    num = (int, float)
    return {
        "pixformat": _field(cfg, "pixformat", "GRAYSCALE", lambda v: v in PIXFORMATS, "must be one of " + "/".join(PIXFORMATS)),
        "framesize": _field(cfg, "framesize", "QVGA", lambda v: v in FRAMESIZES, "must be one of " + "/".join(FRAMESIZES)),
        "fps": _field(cfg, "fps", 30, lambda v: isinstance(v, num) and 0 < v <= 240, "must be a number of frames per second, 0 < fps <= 240"),
        "duration_s": _field(cfg, "duration_s", None, lambda v: v is None or (isinstance(v, num) and v > 0), "must be null or seconds > 0"),
        "rotate_bytes": _field(cfg, "rotate_bytes", None, lambda v: v is None or (isinstance(v, int) and v >= 65536), "must be null or a byte count >= 65536"),
        "live_slots": _field(cfg, "live_slots", 0, lambda v: isinstance(v, int) and 0 <= v <= 64, "must be a slot count from 0 to 64"),
        "to": _field(cfg, "to", "file", lambda v: v in TARGETS, "must be file, memory or both"),
        "exposure_us": _field(cfg, "exposure_us", None, lambda v: v is None or (isinstance(v, int) and v > 0), "must be null (auto) or microseconds > 0"),
        "gain_db": _field(cfg, "gain_db", None, lambda v: v is None or (isinstance(v, num) and 0 <= v <= 48), "must be null (auto) or 0 to 48 dB"),
    }


class Recorder:
    def __init__(self, storage, live):
        self.storage = storage
        self.live = live
        self.cfg = None
        self.stream = None
        self.name = None
        self.bytes = 0
        self.frames = 0
        self.started = 0
        self.next_due = 0
        self.last_sync = 0
        self.period = 0

    def status(self):
        if self.cfg is None:
            return None
        return {"file": self.name, "frames": self.frames, "elapsed_ms": time.ticks_diff(time.ticks_ms(), self.started),
                "config": self.cfg}

    def start(self, cfg):
        import sensor

        self.stop()
        sensor.reset()
        sensor.set_pixformat(getattr(sensor, cfg["pixformat"]))
        sensor.set_framesize(getattr(sensor, cfg["framesize"]))
        try:
            sensor.set_framerate(cfg["fps"])
        except (AttributeError, ValueError, OSError):
            pass  # sensors without a settable rate are paced by the loop below
        # Fixed exposure and gain where the sensor allows them; None keeps the automatic control.
        try:
            if cfg["exposure_us"] is not None:
                sensor.set_auto_exposure(False, exposure_us=cfg["exposure_us"])
            if cfg["gain_db"] is not None:
                sensor.set_auto_gain(False, gain_db=cfg["gain_db"])
        except (AttributeError, ValueError, OSError) as e:
            raise ValueError("record: this sensor refuses the exposure or gain setting (%s)" % e)
        self.cfg = cfg
        self.frames = 0
        self.period = 1000.0 / cfg["fps"]
        self.started = time.ticks_ms()
        self.next_due = self.started
        if cfg["to"] != "file" and cfg["live_slots"] > 0:
            self.live.start(sensor.width(), sensor.height(), getattr(sensor, cfg["pixformat"]), cfg["live_slots"])
        if cfg["to"] != "memory":
            self._open()

    def _open(self):
        import image

        self.name = self.storage.next_name()
        self.stream = image.ImageIO(self.storage.path(self.name), "w")
        self.storage.open_name = self.name
        self.storage.open_frames = 0
        self.bytes = 16

    def _close(self):
        if self.stream is not None:
            self.stream.close()
        self.stream = None
        self.storage.open_name = None

    def stop(self):
        self._close()
        self.live.stop()
        self.cfg = None
        self.name = None

    def step(self):
        """Takes and stores one frame when one is due; False when not recording."""
        if self.cfg is None:
            return False
        now = time.ticks_ms()
        if self.cfg["duration_s"] is not None and time.ticks_diff(now, self.started) >= self.cfg["duration_s"] * 1000:
            self.stop()
            return False
        if time.ticks_diff(self.next_due, now) > 0:
            return False
        import sensor

        img = sensor.snapshot()
        self.next_due = time.ticks_add(self.next_due, int(self.period))
        if time.ticks_diff(now, self.next_due) > self.period:
            self.next_due = now  # fell behind: keep the rate, do not burst
        self.frames += 1
        if self.stream is not None:
            rotate = self.cfg["rotate_bytes"]
            size = img.size()
            span = 32 + (size + 15) // 16 * 16
            if rotate is not None and self.bytes > 16 and self.bytes + span > rotate:
                self._close()
                self._open()
            self.stream.write(img)
            self.bytes += span
            self.storage.open_frames += 1
            if time.ticks_diff(now, self.last_sync) >= 100:
                self.stream.sync()  # lets a second handle (the file channel) see the new bytes
                self.last_sync = now
        self.live.add(img)
        return True
