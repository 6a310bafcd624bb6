"""A one-service inetd: accepts TCP connections on 127.0.0.1:PORT and runs a command per
connection with the socket as its stdin and stdout (the way Debian runs GNU inetutils-ftpd from
inetd). Used by the test harness because inetutils-ftpd's daemon mode (-D) binds the wildcard
address and takes its port only from /etc/services.

    inetd.py --port 20000 --log FILE -- /path/to/ftpd [args...]

Each connection is logged (`CONNECT <peer>`); children are reaped as they exit. Run by the
harness with /usr/bin/python3; it stays in the foreground until SIGTERM/SIGKILL.
"""
import argparse
import os
import select
import signal
import socket
import subprocess
import sys
import time


def main(argv):
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--log", required=True)
    p.add_argument("command", nargs=argparse.REMAINDER)
    opts = p.parse_args(argv)
    command = opts.command[1:] if opts.command[:1] == ["--"] else opts.command
    if not command:
        sys.exit("inetd.py: no command given")
    log = open(opts.log, "a", buffering=1)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", opts.port))
    listener.listen(64)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    while True:
        ready, _, _ = select.select([listener], [], [], 0.2)
        while True:  # Reap finished sessions.
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
        if not ready:
            continue
        conn, peer = listener.accept()
        log.write("%s CONNECT %s:%d\n" % (time.strftime("%H:%M:%S"), peer[0], peer[1]))
        subprocess.Popen(command, stdin=conn.fileno(), stdout=conn.fileno(), stderr=log, close_fds=True)
        conn.close()


if __name__ == "__main__":
    main(sys.argv[1:])
