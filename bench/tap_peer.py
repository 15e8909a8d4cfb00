#!/usr/bin/env python3
"""tap_peer.py - the Linux end of bench_tap.sh: plain kernel sockets, default buffers.

  tap_peer.py recv BIND_IP PORT         accept one stream, read it to the end (1 MiB reads);
                                        BIND_IP of either family
  tap_peer.py send HOST PORT BYTES      send BYTES (one random 1 MiB block again and again)

Both print one line: "<bytes> bytes in <s> s = <x> Gbit/s". The receiver's clock runs
from accept to end of stream; the sender's from connect to the peer's close."""
import os
import socket
import sys
import time

BLOCK = 1 << 20


def recv(bind_ip, port):
    fam = socket.AF_INET6 if ':' in bind_ip else socket.AF_INET
    ls = socket.socket(fam, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((bind_ip, port))
    ls.listen(1)
    print('listening', flush=True)
    ls.settimeout(60)
    s, _ = ls.accept()
    s.settimeout(60)
    buf = bytearray(BLOCK)
    mv = memoryview(buf)
    t0 = time.monotonic()
    n = 0
    while True:
        k = s.recv_into(mv)
        if k == 0:
            break
        n += k
    dt = time.monotonic() - t0
    s.close()
    print(f'{n} bytes in {dt:.3f} s = {n * 8 / dt / 1e9:.3f} Gbit/s', flush=True)


def send(host, port, nbytes):
    block = os.urandom(BLOCK)
    s = socket.create_connection((host, port), timeout=60)
    t0 = time.monotonic()
    left = nbytes
    mv = memoryview(block)
    while left > 0:
        k = BLOCK if left >= BLOCK else left
        s.sendall(mv[:k])
        left -= k
    s.shutdown(socket.SHUT_WR)
    while s.recv(65536):
        pass
    dt = time.monotonic() - t0
    s.close()
    print(f'{nbytes} bytes in {dt:.3f} s = {nbytes * 8 / dt / 1e9:.3f} Gbit/s', flush=True)


if __name__ == '__main__':
    if len(sys.argv) == 4 and sys.argv[1] == 'recv':
        recv(sys.argv[2], int(sys.argv[3]))
    elif len(sys.argv) == 5 and sys.argv[1] == 'send':
        send(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        sys.stderr.write(__doc__)
        sys.exit(2)
