#!/usr/bin/env python3
"""xfer.py - the Linux ends of the loss and fairness benchmarks (kernel TCP).

  xfer.py recv PORT [--bind ADDR]
      accept one connection, read to end of stream, close; print "received N bytes"
  xfer.py send HOST PORT BYTES [--timeout S]
      connect, send BYTES bytes, shut down writing, wait for the peer's close; print
      "sent N bytes in S s" (the clock runs from connect's return to the peer's FIN,
      as `ustack bulk --client` measures)
  xfer.py sink PORT FLOWS SECONDS [--warmup S]
      accept FLOWS connections, read them all; after the last one is accepted and the
      warm-up has passed, count each flow's bytes for SECONDS; print one line
      "flow I BYTES" per flow, then "jain J" (Jain's fairness index of the counts)
  xfer.py flood HOST PORT FLOWS SECONDS
      FLOWS connections to HOST:PORT, each sending as fast as it can for SECONDS

send and flood take --cc NAME: the congestion control of their sockets (TCP_CONGESTION).
Every run is bounded (--timeout, default 120 s); exit status 1 on any failure."""
import selectors
import socket
import sys
import time

CHUNK = 1 << 18


def jain(xs):
    s = sum(xs)
    q = sum(x * x for x in xs)
    return (s * s) / (len(xs) * q) if q else 0.0


def opt(args, name, default):
    if name in args:
        i = args.index(name)
        v = args[i + 1]
        del args[i:i + 2]
        return type(default)(v)
    return default


def listener(port, bind=""):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((bind, port))
    ls.listen(64)
    return ls


def recv(args, timeout):
    bind = opt(args, "--bind", "")
    ls = listener(int(args[0]), bind)
    ls.settimeout(timeout)
    c, _ = ls.accept()
    c.settimeout(timeout)
    n = 0
    while True:
        b = c.recv(CHUNK)
        if not b:
            break
        n += len(b)
    c.close()
    print("received %d bytes" % n, flush=True)


def connect(host, port, timeout, cc):
    c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if cc:
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, cc.encode())
    c.settimeout(timeout)
    c.connect((host, port))
    return c


def send(args, timeout):
    cc = opt(args, "--cc", "")
    host, port, total = args[0], int(args[1]), int(args[2])
    c = connect(host, port, timeout, cc)
    c.settimeout(timeout)
    buf = bytes(range(256)) * (CHUNK // 256)
    t0 = time.monotonic()
    left = total
    while left > 0:
        k = c.send(buf[:min(left, CHUNK)])
        left -= k
    c.shutdown(socket.SHUT_WR)
    while c.recv(CHUNK):
        pass
    t = time.monotonic() - t0
    c.close()
    print("sent %d bytes in %.3f s" % (total, t), flush=True)


def sink(args, timeout):
    port, flows, secs = int(args[0]), int(args[1]), float(args[2])
    warm = opt(args, "--warmup", 2.0)
    ls = listener(port)
    ls.settimeout(timeout)
    sel = selectors.DefaultSelector()
    conns = []
    for i in range(flows):
        c, _ = ls.accept()
        c.setblocking(False)
        sel.register(c, selectors.EVENT_READ, i)
        conns.append(c)
    counts = [0] * flows
    t_start = time.monotonic() + warm
    t_end = t_start + secs
    while True:
        now = time.monotonic()
        if now >= t_end:
            break
        for key, _ in sel.select(timeout=min(0.1, t_end - now)):
            try:
                b = key.fileobj.recv(CHUNK)
            except BlockingIOError:
                continue
            if not b:
                sel.unregister(key.fileobj)
                continue
            if time.monotonic() >= t_start:
                counts[key.data] += len(b)
    for c in conns:
        c.close()
    for i, n in enumerate(counts):
        print("flow %d %d" % (i, n))
    print("jain %.4f" % jain(counts), flush=True)


def flood(args, timeout):
    cc = opt(args, "--cc", "")
    host, port, flows, secs = args[0], int(args[1]), int(args[2]), float(args[3])
    sel = selectors.DefaultSelector()
    buf = b"x" * CHUNK
    for _ in range(flows):
        c = connect(host, port, timeout, cc)
        c.setblocking(False)
        sel.register(c, selectors.EVENT_WRITE)
    end = time.monotonic() + secs
    while time.monotonic() < end:
        for key, _ in sel.select(timeout=0.1):
            try:
                key.fileobj.send(buf)
            except (BlockingIOError, ConnectionError):
                pass


def main():
    args = sys.argv[1:]
    timeout = opt(args, "--timeout", 120.0)
    cmds = {"recv": recv, "send": send, "sink": sink, "flood": flood}
    if not args or args[0] not in cmds:
        sys.stderr.write(__doc__)
        return 2
    try:
        cmds[args[0]](args[1:], timeout)
    except (OSError, ValueError, IndexError) as e:
        print("xfer.py %s: %s" % (args[0], e), file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
