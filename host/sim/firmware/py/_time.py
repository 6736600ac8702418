# Emulated timing: the interpreter's own sleep busy-waits and blocks the link, so sleeping goes through the
# firmware emulation, which serves the host while it waits (as the camera's protocol task does in the background).
import _fw
import time as _t

ticks_ms = _t.ticks_ms
ticks_us = _t.ticks_us
ticks_cpu = _t.ticks_cpu
ticks_diff = _t.ticks_diff
ticks_add = _t.ticks_add
time = _t.time
localtime = _t.localtime
gmtime = _t.gmtime
mktime = _t.mktime
try:
    time_ns = _t.time_ns
except AttributeError:
    pass


def _interrupted(code):
    # The firmware breaks into a script from its background task: the host stopped it (KeyboardInterrupt, unless the
    # script turned the interrupt character off) or the virtual camera is shutting down (SystemExit).
    if code == 1:
        raise KeyboardInterrupt
    if code == 2:
        raise SystemExit


def sleep_ms(ms):
    _interrupted(_fw.sleep_ms(int(ms)))


def sleep_us(us):
    _interrupted(_fw.sleep_ms(int(us) // 1000))


def sleep(seconds):
    _interrupted(_fw.sleep_ms(int(seconds * 1000)))


class clock:
    def __init__(self):
        self._t = _t.ticks_ms()
        self._fps = 0.0

    def tick(self):
        self._t = _t.ticks_ms()

    def fps(self):
        dt = _t.ticks_diff(_t.ticks_ms(), self._t)
        self._fps = 1000.0 / dt if dt > 0 else 0.0
        return self._fps

    def avg(self):
        return self._fps
