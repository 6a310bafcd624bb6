"""A scripted FTP server (Debian's python3-pyftpdlib) whose dialect is chosen by switches.

Run by the test harness (tests/support/ftp_server_wild_configs.ts) as root with /usr/bin/python3: it
binds 127.0.0.1:PORT, opens its command log, then drops to the FTP user's uid/gid. One process,
no forks (pyftpdlib's asynchronous FTPServer). Every switch is described in tests/support/README.md.

    pyftpdlib_server.py --port 20000 --pasv 20001-20099 --root DIR --user ftptest --password PW
        --uid 1001 --gid 1001 --log FILE [--mlsd-local-time] [--dos-list[=12h|24h|4y|mixed]]
        [--no-mlsd] [--list-no-options] [--no-rename[=550|502]] [--pasv-only] [--no-size]
        [--no-rest] [--no-mdtm] [--no-mfmt] [--hash[=HASH,XSHA256,...]] [--max-per-user N]
"""
import argparse
import binascii
import hashlib
import os
import sys
import time
import zlib
import logging

from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.filesystems import AbstractedFS
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import FTPServer

HASH_ALGOS = {"SHA-256": hashlib.sha256, "SHA-1": hashlib.sha1, "MD5": hashlib.md5}
X_COMMANDS = {"XSHA256": "SHA-256", "XSHA1": "SHA-1", "XMD5": "MD5"}
ALL_HASH_COMMANDS = ["HASH", "XSHA256", "XSHA1", "XMD5", "XCRC"]


def parse_args(argv):
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--pasv", required=True, help="MIN-MAX passive ports")
    p.add_argument("--root", required=True)
    p.add_argument("--user", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--uid", type=int, required=True)
    p.add_argument("--gid", type=int, required=True)
    p.add_argument("--log", required=True, help="command log, one line per command")
    p.add_argument("--mlsd-local-time", action="store_true")
    p.add_argument("--dos-list", nargs="?", const="12h", choices=["12h", "24h", "4y", "mixed"])
    p.add_argument("--no-mlsd", action="store_true")
    p.add_argument("--list-no-options", action="store_true")
    p.add_argument("--no-rename", nargs="?", const="550", choices=["550", "502"])
    p.add_argument("--pasv-only", action="store_true")
    p.add_argument("--no-size", action="store_true")
    p.add_argument("--no-rest", action="store_true")
    p.add_argument("--no-mdtm", action="store_true")
    p.add_argument("--no-mfmt", action="store_true")
    p.add_argument("--hash", nargs="?", const=",".join(ALL_HASH_COMMANDS))
    p.add_argument("--max-per-user", type=int, default=0)
    p.add_argument("--clock-skew", type=int, default=0, help="seconds the server's clock is ahead")
    return p.parse_args(argv)


def dos_line(variant, name, st, timefunc):
    """One IIS/DOS listing line: `12-05-26  10:15PM       <DIR>          name`."""
    if variant == "mixed":
        # Stable per name, so that a listing mixes every variant and a re-listing is identical.
        variant = ["12h", "24h", "4y", "4y24h"][zlib.crc32(name.encode("utf8", "replace")) % 4]
    t = timefunc(st.st_mtime)
    date = time.strftime("%m-%d-%Y" if variant.startswith("4y") else "%m-%d-%y", t)
    clock = time.strftime("%H:%M" if variant.endswith("24h") else "%I:%M%p", t)
    if (st.st_mode & 0o170000) == 0o040000:
        return "%s  %s       <DIR>          %s\r\n" % (date, clock, name)
    return "%s  %s %20d %s\r\n" % (date, clock, st.st_size, name)


def make_classes(opts, log):
    class FS(AbstractedFS):
        def format_list(self, basedir, listing, ignore_err=True):
            if not opts.dos_list:
                yield from AbstractedFS.format_list(self, basedir, listing, ignore_err)
                return
            timefunc = time.gmtime if self.cmd_channel.use_gmt_times else time.localtime
            for name in listing:
                try:
                    st = self.lstat(os.path.join(basedir, name))
                except OSError:
                    if ignore_err:
                        continue
                    raise
                line = dos_line(opts.dos_list, name, st, timefunc)
                yield line.encode("utf8", self.cmd_channel.unicode_errors)

    sessions = {}  # user -> logged-in sessions

    class Handler(FTPHandler):
        proto_cmds = FTPHandler.proto_cmds.copy()
        abstracted_fs = FS
        use_gmt_times = not opts.mlsd_local_time
        counted = False

        def logcmd(self, text):
            log.write("%s [%d] %s\n" % (time.strftime("%H:%M:%S"), id(self) % 100000, text))
            log.flush()

        def pre_process_command(self, line, cmd, arg):
            shown = "PASS ******" if cmd == "PASS" else line
            self.logcmd('"%s"' % shown)
            if opts.list_no_options and cmd == "LIST" and arg.lower() in ("-a", "-l", "-al", "-la"):
                # Stock pyftpdlib reads a lone ls option as "the current directory"; a server
                # that takes no options reads it as a path.
                arg = "./" + arg
                line = "LIST " + arg
            return FTPHandler.pre_process_command(self, line, cmd, arg)

        def ftp_PASS(self, line):
            user = self.username
            if opts.max_per_user and user and sessions.get(user, 0) >= opts.max_per_user:
                self.logcmd('REFUSED "%s" 421 over the per-user limit of %d' % (user, opts.max_per_user))
                self.respond("421 Too many connections for user %s (limit %d)." % (user, opts.max_per_user))
                self.close_when_done()
                return
            FTPHandler.ftp_PASS(self, line)
            if self.authenticated and not self.counted:
                self.counted = True
                sessions[self.username] = sessions.get(self.username, 0) + 1

        def close(self):
            if self.counted:
                self.counted = False
                sessions[self.username] = sessions.get(self.username, 1) - 1
            FTPHandler.close(self)

        def on_file_received(self, file):
            # A machine whose clock is off stamps what it writes with its own clock; a time set
            # with MFMT is stored as given (the kernel's clock here is right: shift the stamp).
            if opts.clock_skew:
                stamp = time.time() + opts.clock_skew
                os.utime(file, (stamp, stamp))

        def ftp_RNFR(self, path):
            if opts.no_rename == "502":
                self.respond("502 Command not implemented.")
            elif opts.no_rename:
                self.respond("550 Rename not permitted.")
            else:
                return FTPHandler.ftp_RNFR(self, path)

        def ftp_FEAT(self, line):
            hashes = self.hash_commands()
            if "HASH" in hashes:
                algos = ";".join(a + ("*" if a == self.hash_algo() else "") for a in HASH_ALGOS)
                self._extra_feats = ["HASH " + algos]
            return FTPHandler.ftp_FEAT(self, line)

        def hash_commands(self):
            return [c for c in (opts.hash or "").split(",") if c]

        def hash_algo(self):
            return getattr(self, "_hash_algo", "SHA-256")

        def digest(self, path, algo):
            with open(path, "rb") as f:
                if algo == "CRC":
                    crc = 0
                    for chunk in iter(lambda: f.read(65536), b""):
                        crc = binascii.crc32(chunk, crc)
                    return "%08X" % (crc & 0xFFFFFFFF), os.fstat(f.fileno()).st_size
                h = HASH_ALGOS[algo]()
                for chunk in iter(lambda: f.read(65536), b""):
                    h.update(chunk)
                return h.hexdigest(), os.fstat(f.fileno()).st_size

        def ftp_HASH(self, path):
            """draft-bryan-ftpext-hash-02: `213 <algo> <start>-<end> <hex> <path>`."""
            if not self.fs.isfile(path):
                return self.respond("550 %s: not a plain file." % self.fs.fs2ftp(path))
            hexd, size = self.digest(path, self.hash_algo())
            self.respond("213 %s 0-%d %s %s" % (self.hash_algo(), size, hexd, self.fs.fs2ftp(path)))

        def ftp_OPTS(self, line):
            words = line.split(" ")
            if words[0].upper() == "HASH" and "HASH" in self.hash_commands():
                if len(words) == 1:
                    return self.respond("200 %s" % self.hash_algo())
                algo = words[1].upper()
                if algo not in HASH_ALGOS:
                    return self.respond("501 Unknown algorithm, current selection not changed.")
                self._hash_algo = algo
                return self.respond("200 %s" % algo)
            return FTPHandler.ftp_OPTS(self, line)

        def x_hash(self, path, algo):
            if not self.fs.isfile(path):
                return self.respond("550 %s: not a plain file." % self.fs.fs2ftp(path))
            self.respond("250 %s" % self.digest(path, algo)[0])

        def ftp_XSHA256(self, path):
            self.x_hash(path, "SHA-256")

        def ftp_XSHA1(self, path):
            self.x_hash(path, "SHA-1")

        def ftp_XMD5(self, path):
            self.x_hash(path, "MD5")

        def ftp_XCRC(self, path):
            self.x_hash(path, "CRC")

    for cmd in removed_commands(opts):
        Handler.proto_cmds.pop(cmd, None)
    for cmd in (c for c in (opts.hash or "").split(",") if c):
        if cmd not in ALL_HASH_COMMANDS:
            sys.exit("unknown hash command %r (known: %s)" % (cmd, ", ".join(ALL_HASH_COMMANDS)))
        Handler.proto_cmds[cmd] = dict(perm="r", auth=True, arg=True, help="Syntax: %s <SP> file-name" % cmd)
    return Handler


def removed_commands(opts):
    """The commands a switch takes away (pyftpdlib then answers `500 ... not understood`)."""
    removed = []
    if opts.no_mlsd:
        removed += ["MLSD", "MLST"]
    if opts.pasv_only:
        removed += ["EPSV", "EPRT"]
    if opts.no_size:
        removed += ["SIZE"]
    if opts.no_rest:
        removed += ["REST"]
    if opts.no_mdtm:
        removed += ["MDTM"]
    if opts.no_mfmt:
        removed += ["MFMT"]
    return removed


def main(argv):
    opts = parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    log = open(opts.log, "a", buffering=1)
    handler = make_classes(opts, log)
    authorizer = DummyAuthorizer()
    authorizer.add_user(opts.user, opts.password, opts.root, perm="elradfmwMT")
    handler.authorizer = authorizer
    lo, hi = (int(x) for x in opts.pasv.split("-"))
    handler.passive_ports = range(lo, hi + 1)
    handler.banner = "pyftpdlib ready."
    server = FTPServer(("127.0.0.1", opts.port), handler)
    server.max_cons = 256
    os.setgroups([])
    os.setgid(opts.gid)
    os.setuid(opts.uid)
    os.umask(0o022)
    server.serve_forever(handle_exit=True)


if __name__ == "__main__":
    main(sys.argv[1:])
