#!/usr/bin/env python3
"""lib_csum.py PCAP - every IPv4 header checksum must be correct, and every TCP
checksum field what the offload contract allows: complete and correct (when the
whole frame was captured), or the pseudo-header sum (source, destination, protocol,
TCP length, folded) that a device finishes. Reads the classic pcap format (what
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


def main():
    n = full = partial = 0
    for i, (fr, orig) in enumerate(frames(sys.argv[1]), 1):
        if len(fr) < 34 or fr[12:14] != b'\x08\x00':
            continue
        ip = fr[14:]
        ihl = (ip[0] & 15) * 4
        if len(ip) < ihl or fold(add(ip[:ihl])) != 0xffff:
            print(f'frame {i}: bad IPv4 header checksum')
            return 1
        if ip[9] != 6:
            continue
        tot = struct.unpack('!H', ip[2:4])[0]
        tcplen = tot - ihl
        th = ip[ihl:]
        if len(th) < 18:
            continue
        n += 1
        field = struct.unpack('!H', th[16:18])[0]
        pseudo = add(ip[12:20], 6 + tcplen)
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
    print(f'{n} TCP frames: {full} complete, {partial} partial (pseudo-header sum)')
    return 0


sys.exit(main())
