# Emulated `omv`: what the board says about itself.
import _fw


def arch():
    return "OMV4 H7 1024 [H7:%s]" % _fw.uid().upper()


def board_type():
    return "H7"


def board_id():
    return _fw.uid().upper()


def version_string():
    return "5.0.0"
