# Emulated `pyb.USB_VCP` for the pure-MicroPython link: the host's bytes through the /dev/vcp character device.
import _fw


class USB_VCP:
    _dev = None

    def __init__(self, id=0):
        if USB_VCP._dev is None:
            USB_VCP._dev = open("/dev/vcp", "r+b")

    def setinterrupt(self, ch):
        _fw.set_interrupt_char(ch)

    def isconnected(self):
        return _fw.vcp_connected()

    def any(self):
        return _fw.vcp_any()

    def read(self, n=-1):
        return self._dev.read(n if n >= 0 else _fw.vcp_any())

    def readinto(self, buf, nbytes=None):
        if nbytes is not None:
            buf = memoryview(buf)[:nbytes]
        return self._dev.readinto(buf)

    def write(self, buf):
        return self._dev.write(buf)

    def send(self, data, timeout=5000):
        return self._dev.write(data)

    def recv(self, data, timeout=5000):
        if isinstance(data, int):
            return self._dev.read(data)
        return self._dev.readinto(data)
