# omvd's camera script: records with image.ImageIO and serves the recordings and live frames to the host over
# OpenMV Protocol V2 (channels omvd.cat, omvd.file, omvd.live, omvd.ctl). On firmware 5.x the native `protocol`
# module carries them; on 4.x (no such module) omvd's own pure-MicroPython link does, over the USB serial port
# opened at 115200 baud. Stop it with the ctl command {"cmd": "exit"}: Ctrl-C is off while the link runs.
import json
import os
import sys
import time

# Where the omvd package may be: beside this script (a copy of device-scripts/), or where --install-scripts puts it.
# Only some firmware puts /flash/lib on sys.path (OpenMV's _boot.py does; a port without it does not).
PACKAGE_DIRS = ("", "/flash", "/flash/lib", "/sdcard", "/sdcard/lib")
CONFIG_FILES = ("omvd_config.json", "/flash/omvd_config.json", "/sdcard/omvd_config.json")


def find_package():
    for folder in PACKAGE_DIRS:
        try:
            os.stat((folder or ".") + "/omvd/app.py")
        except OSError:
            continue
        if folder not in sys.path:
            sys.path.insert(0, folder)
        return


def load_config():
    for path in CONFIG_FILES:
        try:
            with open(path) as f:
                cfg = json.load(f)
            return cfg if isinstance(cfg, dict) else {}
        except (OSError, ValueError):
            pass
    return {}


def storage_folder(cfg):
    for folder in (cfg.get("storage"), "/sdcard", "/flash"):
        if folder:
            try:
                os.stat(folder)
                return folder
            except OSError:
                pass
    return "."


def open_link():
    try:
        import protocol

        return protocol, None
    except ImportError:
        pass
    from omvd import v2link

    try:
        import pyb

        stream = pyb.USB_VCP()
        stream.setinterrupt(-1)
    except ImportError:
        import micropython

        micropython.kbd_intr(-1)
        stream = sys.stdin.buffer
    v2link.init(stream)
    return v2link, v2link


def main():
    find_package()
    from omvd import recorder
    from omvd.app import App

    cfg = load_config()
    app = App(storage_folder(cfg))
    protocol, polled = open_link()
    app.register(protocol)
    autostart = cfg.get("autostart_record_s") or 0
    if autostart > 0:
        rec = dict(cfg.get("record") or {})
        rec["duration_s"] = autostart
        app.recorder.start(recorder.parse(rec))
    try:
        while not app.exit:
            if polled is not None:
                polled.poll()
            if app.step():
                time.sleep_ms(0)  # lets the firmware serve the host between pieces of work
            else:
                time.sleep_ms(2)
    finally:
        app.close()


main()
