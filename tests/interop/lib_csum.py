#!/usr/bin/env python3
"""lib_csum.py PCAP - every IPv4 header checksum must be correct, and every TCP
checksum field (over IPv4, and over IPv6 with TCP right after the fixed header) what
the offload contract allows: complete and correct (when the whole frame was
captured), or the pseudo-header sum (source, destination, protocol, TCP length,
folded; RFC 8200 8.1's over IPv6) that a device finishes. The summary counts the
TCP/IPv6 frames apart. Reads the classic pcap format (what
tshark -F pcap and ustack write; pcapng is asked of tshark with -F pcap by the
caller, else converted with editcap). Exit 1 with the first bad frame."""
import struct
import subprocess
import sys
import tempfile


def fold(s):
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s


def add(b, s=0):
    if len(b) % 2:
        b += b'\0'
    for (w,) in struct.iter_unpack('!H', b):
        s += w
    return s


def frames(path):
    with open(path, 'rb') as f:
        data = f.read()
    if data[:4] not in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1'):
        with tempfile.NamedTemporaryFile(suffix='.pcap') as t:
            subprocess.run(['editcap', '-F', 'pcap', path, t.name], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            yield from frames(t.name)
        return
    off = 24
    while off + 16 <= len(data):
        _, _, incl, orig = struct.unpack('<IIII', data[off:off + 16])
        yield data[off + 16:off + 16 + incl], orig
        off += 16 + incl


def tcp_of(i, fr):
    """(TCP header and on, TCP length, pseudo-header sum, IP bytes in all) of a TCP
    frame, None for another frame; raises ValueError on a bad IPv4 header checksum."""
    if len(fr) >= 34 and fr[12:14] == b'\x08\x00':
        ip = fr[14:]
        ihl = (ip[0] & 15) * 4
        if len(ip) < ihl or fold(add(ip[:ihl])) != 0xffff:
            raise ValueError(f'frame {i}: bad IPv4 header checksum')
        if ip[9] != 6:
            return None
        tot = struct.unpack('!H', ip[2:4])[0]
        return ip[ihl:], tot - ihl, add(ip[12:20], 6 + tot - ihl), tot
    if len(fr) >= 54 and fr[12:14] == b'\x86\xdd':
        ip = fr[14:]
        if ip[6] != 6:
            return None
        tcplen = struct.unpack('!H', ip[4:6])[0]
        return ip[40:], tcplen, add(ip[8:40], 6 + tcplen), 40 + tcplen
    return None


def main():
    n = full = partial = n6 = 0
    for i, (fr, orig) in enumerate(frames(sys.argv[1]), 1):
        try:
            t = tcp_of(i, fr)
        except ValueError as e:
            print(e)
            return 1
        if t is None:
            continue
        th, tcplen, pseudo, tot = t
        ip = fr[14:]
        if len(th) < 18:
            continue
        n += 1
        n6 += fr[12:14] == b'\x86\xdd'
        field = struct.unpack('!H', th[16:18])[0]
        if fold(pseudo) == field:
            partial += 1
            continue
        if len(fr) == orig and len(ip) >= tot:
            if fold(add(th[:tcplen], pseudo)) == 0xffff:
                full += 1
                continue
            print(f'frame {i}: TCP checksum 0x{field:04x} neither complete nor the pseudo-header sum')
            return 1
        print(f'frame {i}: TCP checksum 0x{field:04x} is not the pseudo-header sum '
              f'0x{fold(pseudo):04x} and the frame was not captured whole')
        return 1
    if n == 0:
        print('no TCP frame')
        return 1
    v6 = f' ({n6} over IPv6)' if n6 else ''
    print(f'{n} TCP frames{v6}: {full} complete, {partial} partial (pseudo-header sum)')
    return 0


sys.exit(main())
