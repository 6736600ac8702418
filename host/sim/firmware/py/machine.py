# Emulated `machine`: the unique id, a settable real-time clock and reset (which ends the virtual camera's script).
import _fw
import time


def unique_id():
    return bytes.fromhex(_fw.uid())


class RTC:
    def datetime(self, value=None):
        if value is None:
            t = time.localtime(time.time() + _fw.clock_offset_s())
            return (t[0], t[1], t[2], t[6] + 1, t[3], t[4], t[5], 0)
        y, mo, d, _wd, h, mi, s, _sub = value
        _fw.set_clock_offset_s(time.mktime((y, mo, d, h, mi, s, 0, 0)) - time.time())
        return None


def reset():
    raise SystemExit("machine.reset()")
