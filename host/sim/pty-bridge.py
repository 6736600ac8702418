"""Serves the virtual camera's USB serial port on a pseudo-terminal, with only Python's standard library.

Usage: python3 pty-bridge.py LINK_PATH
Makes a pty pair, points LINK_PATH (a symlink) at the device side, prints "PTY <device path>" on stderr, then relays
the host's bytes (read from the master) to stdout and stdin's bytes (the camera's) to the master until stdin closes.
The bridge keeps the device side open itself, so a host may open and close the port any number of times.
"""
import errno
import os
import pty
import select
import sys
import tty

MAX_PENDING = 4 * 1024 * 1024


def main():
    link = sys.argv[1]
    master, slave = pty.openpty()
    tty.setraw(slave)
    name = os.ttyname(slave)
    if os.path.islink(link):
        os.unlink(link)
    elif os.path.exists(link):
        sys.stderr.write("pty-bridge: %s exists and is not a symlink; not replacing it\n" % link)
        return 2
    os.symlink(name, link)
    sys.stderr.write("PTY %s\n" % name)
    sys.stderr.flush()
    os.set_blocking(master, False)
    stdin, stdout = sys.stdin.fileno(), sys.stdout.fileno()
    pending = bytearray()
    try:
        while True:
            readable, writable, _ = select.select([master, stdin], [master] if pending else [], [])
            if master in readable:
                try:
                    data = os.read(master, 65536)
                except OSError as e:
                    if e.errno != errno.EIO:  # EIO: no host has the port open right now
                        raise
                    data = b""
                if data:
                    os.write(stdout, data)
            if stdin in readable:
                data = os.read(stdin, 65536)
                if not data:
                    return 0
                if len(pending) + len(data) <= MAX_PENDING:  # like a camera with no host attached, drop the excess
                    pending += data
            if master in writable and pending:
                try:
                    n = os.write(master, pending)
                    del pending[:n]
                except BlockingIOError:
                    pass
    finally:
        if os.path.islink(link) and os.readlink(link) == name:
            os.unlink(link)


if __name__ == "__main__":
    sys.exit(main())
