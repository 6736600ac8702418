# Emulated OpenMV `sensor` module (modules/py_csi.c and common/omv_csi.c at cbbb877e), for the image sensor of the
# virtual camera's board profile. Frames come from the virtual camera's scene generator through the firmware
# emulation (`_fw`): snapshot() waits for the next frame on a real frame clock while the link keeps being served,
# then reads the frame's bytes from the /dev/sensor character device into one frame buffer allocated at import.
# Errors are the firmware's: every CSI failure is a RuntimeError with omv_csi_strerror's text (py_csi.c:58), a
# control the sensor lacks only prints a warning (py_csi.c:59), and integer arguments go through mp_obj_get_int.
import _fw
import image
import json
import time

_time = time
_model = json.loads(_fw.board())["sensor"]

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
# What the driver accepts and the scene renders (BAYER and YUV422 it cannot render, so they fail as the driver's
# refusal does).
_PIXFORMATS = tuple(v for k, v in (("GRAYSCALE", GRAYSCALE), ("RGB565", RGB565), ("JPEG", JPEG)) if k in _model["pixformats"])

# omv_csi_strerror (common/omv_csi.c:1744-1767) for the errors this sensor can have.
_CTL_FAILED = "Sensor control failed."
_CTL_UNSUPPORTED = "The requested operation is not supported by the image sensor."
_INVALID_FRAMERATE = "Frame rate is not supported or is not set."
_INVALID_ARGUMENT = "An invalid argument is used."
_AUTO_EXPOSURE_US = 10000
_AUTO_GAIN_DB = 0.0

_fb = bytearray(640 * 480 * 2)
_fbv = memoryview(_fb)
_dev = open("/dev/sensor", "rb")
_state = {"pixformat": GRAYSCALE, "framesize": QVGA, "fps": 0, "exposure_us": None, "gain_db": None}


def _int(value):
    # mp_obj_get_int (py/obj.c): ints and bools only; a float is "can't convert float to int".
    if isinstance(value, (int, bool)):
        return int(value)
    raise TypeError("can't convert %s to int" % type(value).__name__)


def _float(value):
    # py_helper_arg_to_float: None is "not given" (NAN in the firmware).
    if value is None or isinstance(value, (int, bool, float)):
        return value
    raise TypeError("can't convert %s to float" % type(value).__name__)


def _warn(control):
    # omv_csi_print_error (py_csi.c:59): the firmware prints this and returns None.
    print("\x1b[31mWARNING: %s control is not supported by this image sensor.\x1b[0m" % control)


def _apply():
    w, h = _SIZES[_state["framesize"]]
    _fw.sensor_config(_state["pixformat"], w, h, _state["fps"])


def reset():
    # omv_csi_reset sets the frame rate to 0 (common/omv_csi.c:304); the sensor's own automatic controls come back.
    _state["pixformat"] = GRAYSCALE
    _state["framesize"] = QVGA
    _state["fps"] = 0
    _state["exposure_us"] = None
    _state["gain_db"] = None
    _apply()


def set_pixformat(pixformat):
    pixformat = _int(pixformat)  # py_csi.c:255
    if pixformat == _state["pixformat"]:
        return  # omv_csi.c:785-787
    if pixformat not in _PIXFORMATS:
        raise RuntimeError(_CTL_FAILED)  # the driver refuses it: omv_csi.c:815-817, raised at py_csi.c:256-258
    _state["pixformat"] = pixformat
    _apply()


def get_pixformat():
    return _state["pixformat"]


def set_framesize(framesize):
    framesize = _int(framesize)  # py_csi.c:274
    if framesize not in _SIZES:
        raise RuntimeError(_CTL_FAILED)
    _state["framesize"] = framesize
    _apply()


def get_framesize():
    return _state["framesize"]


def set_framerate(fps):
    fps = _int(fps)  # py_csi.c:293: mp_obj_get_int, so 7.5 is a TypeError
    if fps == _state["fps"]:
        return  # omv_csi.c:881-884
    if fps < 0:
        raise RuntimeError(_INVALID_ARGUMENT)  # omv_csi.c:886-888
    # No modelled driver has set_framerate: the firmware throttles in software (omv_csi.c:895-896, :901-917);
    # 0 means the sensor's own rate.
    _state["fps"] = fps
    _apply()


def get_framerate():
    if _state["fps"] == 0:
        raise RuntimeError(_INVALID_FRAMERATE)  # py_csi.c:303-305
    return _state["fps"]


def width():
    return _SIZES[_state["framesize"]][0]


def height():
    return _SIZES[_state["framesize"]][1]


def get_id():
    return _model["chip_id"]


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
    enable = _int(enable)  # py_csi.c:474-478 parse the arguments first
    gain_db = _float(gain_db)
    _float(gain_db_ceiling)
    if _model["gain"] is None:
        _warn("Auto Gain")  # omv_csi.c:1086-1090, py_csi.c:480-486
        return
    _state["gain_db"] = None if enable or gain_db is None else float(gain_db)


def get_gain_db():
    if _model["gain"] != "rw":
        raise RuntimeError(_CTL_UNSUPPORTED)  # omv_csi.c:1100-1104, py_csi.c:491-498
    return _AUTO_GAIN_DB if _state["gain_db"] is None else _state["gain_db"]


def set_auto_exposure(enable, exposure_us=-1):
    enable = _int(enable)  # py_csi.c:508-512: exposure_us is an MP_ARG_INT
    exposure_us = _int(exposure_us)
    if _model["exposure"] is None:
        _warn("Auto Exposure")  # omv_csi.c:1114-1118, py_csi.c:514-520
        return
    _state["exposure_us"] = None if enable or exposure_us < 0 else exposure_us


def get_exposure_us():
    if _model["exposure"] != "rw":
        raise RuntimeError(_CTL_UNSUPPORTED)  # omv_csi.c:1128-1132, py_csi.c:525-532
    return _AUTO_EXPOSURE_US if _state["exposure_us"] is None else _state["exposure_us"]


def set_auto_whitebal(enable, rgb_gain_db=None):
    pass


def flush():
    pass
