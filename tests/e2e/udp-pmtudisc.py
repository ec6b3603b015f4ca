#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Prints how every UDP socket of process PID treats fragmentation, one line
# per socket: "FD inet IP_MTU_DISCOVER" or "FD inet6 IP_MTU_DISCOVER
# IPV6_MTU_DISCOVER" (2 is IP_PMTUDISC_DO / IPV6_PMTUDISC_DO: never
# fragment). It reads the live process's own sockets through duplicates
# taken with pidfd_getfd(2), so it needs ptrace rights over PID (root).
#
# Usage: udp-pmtudisc.py PID
import ctypes
import os
import socket
import sys

SYS_PIDFD_OPEN = 434
SYS_PIDFD_GETFD = 438
IP_MTU_DISCOVER = 10
IPV6_MTU_DISCOVER = 23

libc = ctypes.CDLL(None, use_errno=True)


def main():
    pid = int(sys.argv[1])
    pidfd = libc.syscall(SYS_PIDFD_OPEN, pid, 0)
    if pidfd < 0:
        sys.exit("pidfd_open(%d): %s" % (pid, os.strerror(ctypes.get_errno())))
    for name in sorted(os.listdir("/proc/%d/fd" % pid), key=int):
        try:
            if not os.readlink("/proc/%d/fd/%s" % (pid, name)).startswith("socket:"):
                continue
        except OSError:
            continue
        fd = libc.syscall(SYS_PIDFD_GETFD, pidfd, int(name), 0)
        if fd < 0:
            sys.exit("pidfd_getfd(%s): %s" % (name, os.strerror(ctypes.get_errno())))
        s = socket.socket(fileno=fd)
        try:
            if s.family not in (socket.AF_INET, socket.AF_INET6) or s.type != socket.SOCK_DGRAM:
                continue
            line = "%s %s %d" % (name, "inet" if s.family == socket.AF_INET else "inet6",
                                 s.getsockopt(socket.IPPROTO_IP, IP_MTU_DISCOVER))
            if s.family == socket.AF_INET6:
                line += " %d" % s.getsockopt(socket.IPPROTO_IPV6, IPV6_MTU_DISCOVER)
            print(line)
        finally:
            s.close()
    os.close(pidfd)


if __name__ == "__main__":
    main()
