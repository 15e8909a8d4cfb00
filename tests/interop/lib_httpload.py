#!/usr/bin/env python3
"""lib_httpload.py - the Linux clients of test_serve_load.sh (run inside its namespace).

  idle HOST PORT N GO        N keep-alive connections, one request answered on each,
                             then held idle; prints "held N"; once the file GO exists
                             prints "still open K" (K of the N not closed by the server)
  trickle HOST PORT N SECS   N connections that each send one byte of a request head
                             every second for at most SECS; prints when the server
                             closed each ("refused": within 1 s, before any deadline;
                             "cut": later), the earliest and latest cut, how many saw
                             a 408, and how many were still open at the end
  evict HOST PORT N GO       N keep-alive connections opened one after the other (each
                             answered, then idle); prints "held N"; once GO exists
                             prints "closed I J ..." (the indexes the server closed)

Every wait is bounded; sockets are closed at exit."""
import os
import resource
import select
import socket
import sys
import time

REQ = b"GET / HTTP/1.1\r\nHost: t\r\n\r\n"


def raise_nofile(n):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = n if hard == resource.RLIM_INFINITY else min(n, hard)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


def read_reply(s, deadline):
    """Reads one reply (head + Content-Length body); returns its status or None."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        s.settimeout(max(0.01, deadline - time.time()))
        d = s.recv(4096)
        if not d:
            return None
        buf += d
    head, _, body = buf.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            length = int(v.strip())
    while len(body) < length:
        s.settimeout(max(0.01, deadline - time.time()))
        d = s.recv(65536)
        if not d:
            return None
        body += d
    return int(head.split(b" ")[1])


def is_closed(s):
    """True if the server closed s (EOF or reset); False if it is still open."""
    s.setblocking(False)
    try:
        d = s.recv(1, socket.MSG_PEEK)
        return d == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


def wait_file(path, secs):
    end = time.time() + secs
    while not os.path.exists(path) and time.time() < end:
        time.sleep(0.05)


def open_answered(host, port, n, spacing=0.0):
    socks = []
    deadline = time.time() + 240
    for i in range(n):
        s = socket.create_connection((host, port), timeout=10)
        s.sendall(REQ)
        st = read_reply(s, deadline)
        if st != 200:
            print("request %d: status %s" % (i, st), flush=True)
            sys.exit(1)
        socks.append(s)
        if spacing:
            time.sleep(spacing)
    return socks


def idle(host, port, n, go):
    raise_nofile(n + 1024)
    socks = open_answered(host, port, n)
    print("held %d" % len(socks), flush=True)
    wait_file(go, 120)
    print("still open %d" % sum(not is_closed(s) for s in socks), flush=True)


def evict(host, port, n, go):
    socks = open_answered(host, port, n, spacing=0.1)
    print("held %d" % len(socks), flush=True)
    wait_file(go, 60)
    time.sleep(0.3)
    print("closed" + "".join(" %d" % i for i, s in enumerate(socks) if is_closed(s)), flush=True)


def trickle(host, port, n, secs):
    raise_nofile(n + 1024)
    head = b"GET / HTTP/1.1\r\nHost: t\r\n" + b"X-Slow: " + b"a" * 4000 + b"\r\n\r\n"
    conns = []
    for _ in range(n):
        t0 = time.time()
        try:
            s = socket.create_connection((host, port), timeout=10)
        except ConnectionResetError:
            # the server's reset came before connect() returned (a refused one)
            s = socket.socket()
            conns.append({"s": s, "t0": t0, "sent": 0, "closed": time.time() - t0, "got": b""})
            continue
        s.setblocking(False)
        conns.append({"s": s, "t0": t0, "sent": 0, "closed": None, "got": b""})
    end = time.time() + secs
    next_byte = time.time()
    while time.time() < end and any(c["closed"] is None for c in conns):
        now = time.time()
        if now >= next_byte:
            for c in conns:
                if c["closed"] is None:
                    try:
                        c["s"].send(head[c["sent"]:c["sent"] + 1])
                        c["sent"] += 1
                    except BlockingIOError:
                        pass
                    except OSError:
                        c["closed"] = time.time() - c["t0"]
            next_byte = now + 1.0
        live = [c for c in conns if c["closed"] is None]
        r, _, _ = select.select([c["s"] for c in live], [], [], max(0.0, min(0.2, next_byte - time.time())))
        for c in live:
            if c["s"] in r:
                try:
                    d = c["s"].recv(4096)
                except OSError:
                    d = b""
                if d:
                    c["got"] += d
                else:
                    c["closed"] = time.time() - c["t0"]
    refused = [c for c in conns if c["closed"] is not None and c["closed"] < 1.0]
    cut = [c["closed"] for c in conns if c["closed"] is not None and c["closed"] >= 1.0]
    print("refused %d" % len(refused))
    print("cut %d" % len(cut))
    if cut:
        print("cut-first %.2f" % min(cut))
        print("cut-last %.2f" % max(cut))
    print("saw408 %d" % sum(c["got"].startswith(b"HTTP/1.1 408") for c in conns))
    print("open %d" % sum(c["closed"] is None for c in conns), flush=True)


def main():
    mode, host, port, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    if mode == "idle":
        idle(host, port, n, sys.argv[5])
    elif mode == "evict":
        evict(host, port, n, sys.argv[5])
    elif mode == "trickle":
        trickle(host, port, n, float(sys.argv[5]))
    else:
        sys.exit("unknown mode " + mode)


if __name__ == "__main__":
    main()
