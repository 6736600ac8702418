# Emulated OpenMV `sensor` module. Frames come from the virtual camera's scene generator through the firmware
# emulation (`_fw`): snapshot() waits for the next frame on a real frame clock while the link keeps being served,
# then reads the frame's bytes from the /dev/sensor character device into one frame buffer allocated at import.
import _fw
import image
import time

_time = time

GRAYSCALE = image.GRAYSCALE
RGB565 = image.RGB565
BAYER = image.BAYER
YUV422 = image.YUV422
JPEG = image.JPEG
BINARY = image.BINARY

QQQVGA = 7
QQVGA = 8
QVGA = 9
VGA = 10
HQQVGA = 13
HQVGA = 14
HVGA = 15
_SIZES = {QQQVGA: (80, 60), QQVGA: (160, 120), QVGA: (320, 240), VGA: (640, 480), HQQVGA: (120, 80),
          HQVGA: (240, 160), HVGA: (480, 320)}
_PIXFORMATS = (GRAYSCALE, RGB565, BAYER, YUV422, JPEG)

_fb = bytearray(640 * 480 * 2)
_fbv = memoryview(_fb)
_dev = open("/dev/sensor", "rb")
_state = {"pixformat": GRAYSCALE, "framesize": QVGA, "fps": 0}


def _apply():
    w, h = _SIZES[_state["framesize"]]
    _fw.sensor_config(_state["pixformat"], w, h, _state["fps"])


def reset():
    _state["pixformat"] = GRAYSCALE
    _state["framesize"] = QVGA
    _state["fps"] = 0
    _apply()


def set_pixformat(pixformat):
    if pixformat not in _PIXFORMATS:
        raise ValueError("Invalid pixformat")
    _state["pixformat"] = pixformat
    _apply()


def get_pixformat():
    return _state["pixformat"]


def set_framesize(framesize):
    if framesize not in _SIZES:
        raise ValueError("Invalid framesize")
    _state["framesize"] = framesize
    _apply()


def get_framesize():
    return _state["framesize"]


def set_framerate(fps):
    _state["fps"] = int(fps)
    _apply()


def get_framerate():
    return _state["fps"] or _fw.default_fps()


def width():
    return _SIZES[_state["framesize"]][0]


def height():
    return _SIZES[_state["framesize"]][1]


def get_id():
    return 0x5640  # OV5640, the H7 Plus sensor that also makes JPEG


def snapshot():
    n = _fw.snapshot()
    if n < 0:
        _time._interrupted(-n)
    got = _dev.readinto(_fbv[:n])
    if got != n:
        raise RuntimeError("Sensor Timeout!!")
    w, h = _SIZES[_state["framesize"]]
    return image.Image(w, h, _state["pixformat"], _fbv, n)


def skip_frames(n=None, time=None):
    if time is not None:
        _time.sleep_ms(int(time))
        return
    for _ in range(10 if n is None else n):
        snapshot()


def set_auto_gain(enable, gain_db=None, gain_db_ceiling=None):
    pass


def set_auto_exposure(enable, exposure_us=None):
    pass


def set_auto_whitebal(enable, rgb_gain_db=None):
    pass


def flush():
    pass
