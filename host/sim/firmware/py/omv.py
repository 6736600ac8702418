# Emulated `omv` (modules/py_omv.c): what the board says about itself, from the virtual camera's board profile.
import json

import _fw

_board = json.loads(_fw.board())


def arch():
    return _board["arch"]  # OMV_BOARD_ARCH (py_omv.c:44-48)


def board_type():
    return _board["type"]  # OMV_BOARD_TYPE (py_omv.c:50-54)


def board_id():
    return _fw.uid().upper()


def version_string():
    return "5.0.0"
