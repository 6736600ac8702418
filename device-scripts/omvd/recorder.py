# Records the sensor to rotating ImageIO FILE streams (rec_0001.bin, …) and/or the live MEMORY-stream ring.
import time

PIXFORMATS = ("GRAYSCALE", "RGB565", "JPEG")
FRAMESIZES = ("QQQVGA", "QQVGA", "HQVGA", "QVGA", "HVGA", "VGA")
TARGETS = ("file", "memory", "both")
SYNC_MS = 100
# What a sensor call raises on firmware 5.x (RuntimeError: modules/py_csi.c:58; TypeError: a float where the
# firmware takes an int) and on older firmware or other ports (AttributeError, ValueError, OSError).
SENSOR_ERRORS = (RuntimeError, TypeError, ValueError, OSError, AttributeError)


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


def _errtext(e):
    return "%s: %s" % (type(e).__name__, e) if str(e) else type(e).__name__


def _control(name, asked, unit, tolerance, setter, getter, warnings):
    """Sets one fixed control and reads it back: what the sensor runs at, or None when it cannot say."""
    try:
        setter()
    except SENSOR_ERRORS as e:
        raise ValueError("record: the sensor refused %s=%s (%s)" % (name, asked, _errtext(e)))
    try:
        got = getter()
    except SENSOR_ERRORS:
        # A sensor without the control only prints a warning (py_csi.c:59): no read-back, no proof it took.
        warnings.append("%s: the sensor cannot report it, so %s %s is not confirmed (a sensor without this control ignores it)" % (name, asked, unit))
        return None
    if abs(got - asked) > tolerance(asked):
        warnings.append("%s: asked %s %s, the sensor runs at %s %s" % (name, asked, unit, got, unit))
    return got


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
        self.mfps = 0  # the asked rate in frames per 1000 s: whole numbers pace 7.5 fps as 133, 133, 134 ms
        self.acc = 0
        self.room = 0
        self.controls = None
        self.warnings = []
        self.error = None  # why the last recording ended early, until the next one starts

    def status(self):
        if self.cfg is None:
            return None
        return {"file": self.name, "frames": self.frames, "elapsed_ms": time.ticks_diff(time.ticks_ms(), self.started),
                "config": self.cfg, "controls": self.controls, "warnings": self.warnings}

    def start(self, cfg):
        import sensor

        self.stop()
        self.error = None
        sensor.reset()
        for key, setter in (("pixformat", sensor.set_pixformat), ("framesize", sensor.set_framesize)):
            try:
                setter(getattr(sensor, cfg[key]))
            except SENSOR_ERRORS as e:
                raise ValueError("record: this sensor cannot do %s %s (%s)" % (key, cfg[key], _errtext(e)))
        fps = cfg["fps"]
        # set_framerate takes whole frames per second (py_csi.c:293): ask the next one up, the loop paces the rest.
        rate = int(fps) if fps == int(fps) else int(fps) + 1
        try:
            sensor.set_framerate(rate)
        except SENSOR_ERRORS:
            rate = None  # a sensor without a settable rate: the loop below paces it
        warnings = []
        controls = {"fps": fps, "sensor_fps": rate}
        if cfg["exposure_us"] is not None:
            us = cfg["exposure_us"]
            controls["exposure_us"] = _control("exposure_us", us, "us", lambda v: v // 10, lambda: sensor.set_auto_exposure(False, exposure_us=us),
                                               sensor.get_exposure_us, warnings)
        if cfg["gain_db"] is not None:
            db = cfg["gain_db"]
            controls["gain_db"] = _control("gain_db", db, "dB", lambda v: 0.5, lambda: sensor.set_auto_gain(False, gain_db=db),
                                           sensor.get_gain_db, warnings)
        self.cfg = cfg
        self.controls = controls
        self.warnings = warnings
        self.frames = 0
        self.mfps = int(fps * 1000 + 0.5)
        self.acc = 0
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
        self.room = 0

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

    def fail(self, e):
        """Ends the recording after an error in step(): the file is closed where its last whole frame ends."""
        frames = self.storage.open_frames if self.name else self.frames  # those stored whole
        self.error = {"error": _errtext(e), "file": self.name, "frames": frames, "bytes": self.bytes if self.name else None}
        try:
            self._close()
        except Exception:
            self.stream = None  # the firmware already closed a file whose write failed (common/file_utils.c:52-55)
            self.storage.open_name = None
        if self.error["file"] is not None:
            self.error["torn"] = not self._cut(self.error["file"])
        self.live.stop()
        self.cfg = None
        self.name = None

    def _cut(self, name):
        # A write that failed half-way leaves part of a frame behind the last whole one. OpenMV's files can be
        # truncated (common/file_utils.c:165-176 relies on it); where they cannot, the tail stays and says so.
        size = self.storage.size_of(name)
        if size is None or size <= self.bytes:
            return True
        try:
            with open(self.storage.path(name), "r+b") as f:
                f.seek(self.bytes)
                f.truncate()
            return True
        except (AttributeError, OSError):
            return False

    def _fits(self, span):
        # The card must hold the whole next frame, so a full card ends the file on a frame boundary.
        if self.room >= span:
            return True
        self.room = self.storage.free_bytes()
        return self.room >= span

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
        self.acc += 1000000
        period = self.acc // self.mfps
        self.acc -= period * self.mfps
        self.next_due = time.ticks_add(self.next_due, period)
        if time.ticks_diff(now, self.next_due) > period:
            self.next_due = now  # fell behind: keep the rate, do not burst
        if self.stream is not None:
            rotate = self.cfg["rotate_bytes"]
            size = img.size()
            span = 32 + (size + 15) // 16 * 16
            if rotate is not None and self.bytes > 16 and self.bytes + span > rotate:
                self._close()
                self._open()
            if not self._fits(span):
                raise OSError("the storage is full: %s ends after %d frames (%d bytes free, a frame needs %d)" % (self.name, self.frames, self.room, span))
            self.stream.write(img)
            self.bytes += span
            self.room -= span
            self.storage.open_frames += 1
            if time.ticks_diff(now, self.last_sync) >= SYNC_MS:
                self.stream.sync()  # lets a second handle (the file channel) see the new bytes
                self.last_sync = now
        self.live.add(img)
        self.frames += 1
        return True
