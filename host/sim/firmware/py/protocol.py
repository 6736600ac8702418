# Emulated native `protocol` module (modules/py_protocol.c): the V2 device side itself runs in the firmware
# emulation; this registers script backends with it and carries its calls into them. Bulk bytes move through the
# /dev/fwbus character device, never through the JavaScript proxy.
import _fw

_backends = {}
_bus = open("/dev/fwbus", "r+b")
# Calls from the firmware name the method by its index here: a string argument from JavaScript costs a little
# heap on every call, which a long transfer would turn into a leak.
_METHODS = ("init", "poll", "lock", "unlock", "size", "shape", "read", "write", "readp", "ioctl", "flush")


class ProtocolChannel:
    def __init__(self, cid, name):
        self._id = cid
        self._name = name

    def send_event(self, event, wait_ack=False):
        if not _fw.send_event(self._id, event, bool(wait_ack)):
            raise RuntimeError("Failed to send channel event")

    def __repr__(self):
        return "<ProtocolChannel: %s>" % self._name


_pending = None


def _call(cid, code, a, b):
    backend = _backends.get(cid) or _pending
    method = _METHODS[code]
    try:
        if method == "read" or method == "readp":
            buf = getattr(backend, method)(a, b)
            if buf is None:
                return -1
            mv = memoryview(buf)
            if method == "read" and len(mv) > b:
                mv = mv[:b]
            return _bus.write(mv)
        if method == "write" or method == "ioctl":
            arg = None
            if b > 0:
                arg = bytearray(b)
                _bus.readinto(arg)
            if method == "write":
                r = backend.write(a, arg)
                return r if isinstance(r, int) else 0
            r = backend.ioctl(a, b, arg)
            return 0 if r is None else (r if isinstance(r, int) else 0)
        if method == "shape":
            r = getattr(backend, method)()
            return ",".join(str(int(x)) for x in r) if isinstance(r, tuple) else ""
        r = getattr(backend, method)()
        if method == "size":
            return int(r)
        return 1 if r else 0
    except Exception as e:
        _fw.backend_error(cid, method, repr(e))
        return None


_fw.set_dispatch(_call)


def register(name, backend, flags=0):
    # The firmware may call the backend's init() while registering, before the id is known here.
    global _pending
    present = ",".join(m for m in _METHODS if hasattr(backend, m))
    _pending = backend
    try:
        cid = _fw.register(name, flags, present)
    finally:
        _pending = None
    if cid < 0:
        raise RuntimeError("Failed to register channel")
    _backends[cid] = backend
    return ProtocolChannel(cid, name)


def is_active():
    return _fw.is_active()


def _soft_reboot():
    # The firmware drops its script channels at a soft reboot (omv_protocol_deinit, protocol/omv_protocol.c:131-146)
    # and the heap that held their backends starts over; until then they outlive the script that made them
    # (modules/py_protocol.c:425-428 keeps them in root pointers).
    _backends.clear()
