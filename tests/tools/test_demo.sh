#!/usr/bin/env bash
# test_demo.sh - `ustack demo` as a newcomer meets it: run as a user without root (and,
# when we can make one, in a network namespace with no network at all); it must exit 0;
# every seq/ack, port, DNS id and MAC address it prints must be in its pcap (read back
# with tshark), and the pcap must hold ARP, the DNS query and answer, the three-way
# handshake, the GET, its 200 and the FIN exchange in that order; its SVG must be
# well-formed and render to a PNG that is not blank; with --loss 0.2 --seed 7 it must
# still complete and show a retransmission; --lang ko, --quiet and bad usage behave.
set -euo pipefail

BIN=${USTACK_BIN:?USTACK_BIN must name the ustack binary}
SRC=${USTACK_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3

for tool in tshark rsvg-convert "$PY"; do
	command -v "$tool" >/dev/null || { echo "test_demo: $tool is missing (make deps installs it)"; exit 1; }
done

work=$(mktemp -d /tmp/ustack-test-demo.XXXXXX)
trap 'rm -rf "$work"' EXIT
chmod 0777 "$work"
fail() { echo "FAIL: $*"; exit 1; }

# Run as nobody when we are root; without a network namespace's network when possible.
as_user=()
if [ "$(id -u)" -eq 0 ]; then
	nobody_gid=$(id -g nobody 2>/dev/null || echo 65534)
	if setpriv --reuid=nobody --regid="$nobody_gid" --clear-groups true 2>/dev/null; then
		as_user=(setpriv --reuid=nobody --regid="$nobody_gid" --clear-groups --)
	elif runuser -u nobody -- true 2>/dev/null; then
		as_user=(runuser -u nobody --)
	fi
	# the binary must be reachable by that user: else run a copy
	if [ ${#as_user[@]} -gt 0 ] && ! "${as_user[@]}" test -x "$BIN"; then
		cp "$BIN" "$work/ustack" && chmod 0755 "$work/ustack" && BIN=$work/ustack
	fi
	if unshare -n true 2>/dev/null; then
		as_user=(unshare -n "${as_user[@]}")
	fi
fi
echo "running the demo as: ${as_user[*]:-$(id -un)}"
run_demo() {
	# HOME and XDG_RUNTIME_DIR of root are not the user's
	env -u XDG_RUNTIME_DIR HOME="$work" "${as_user[@]}" "$BIN" demo "$@"
}

# --- 1. the walkthrough, with its capture and its diagram ---------------------------
t0=$(date +%s)
rc=0
run_demo --pcap "$work/demo.pcap" --svg "$work/demo.svg" >"$work/out.txt" 2>"$work/err.txt" || rc=$?
echo "demo: exit $rc in $(( $(date +%s) - t0 )) s"
if [ $rc -ne 0 ]; then
	cat "$work/out.txt" "$work/err.txt"
	fail "ustack demo exited $rc"
fi
[ -s "$work/demo.pcap" ] || fail "no pcap written"
[ -s "$work/demo.svg" ] || fail "no svg written"
for want in 'gethostbyname("www.example.test")' 'socket()' 'connect()' 'close()' \
	'[000010]' '[010010]' '[010000]' 'ESTABLISHED' 'TIME_WAIT' 'CLOSED' 'SO_SNDBUF' \
	'SO_RCVBUF' 'HTTP/1.1 200' 'application' 'socket library' 'protocol stack' 'link' \
	'ARP request' 'ARP reply' 'DNS query' 'DNS answer' 'netstat after socket()' \
	'netstat after connect()' 'netstat after close()'; do
	grep -qF -- "$want" "$work/out.txt" || { cat "$work/out.txt"; fail "the walkthrough does not show '$want'"; }
done

tshark -r "$work/demo.pcap" -T fields -E separator='|' -E occurrence=f \
	-e frame.number -e eth.src -e eth.dst -e arp.opcode -e arp.src.proto_ipv4 \
	-e arp.dst.proto_ipv4 -e arp.src.hw_mac -e ip.src -e ip.dst -e tcp.srcport -e tcp.dstport \
	-e tcp.seq_raw -e tcp.ack_raw -e tcp.flags -e tcp.len -e tcp.window_size_value \
	-e udp.srcport -e udp.dstport -e dns.id -e dns.flags.response -e http.request.method \
	-e http.response.code >"$work/frames.txt" 2>"$work/tshark.err" ||
	{ cat "$work/tshark.err"; fail "tshark cannot read the pcap"; }

"$PY" - "$work/out.txt" "$work/frames.txt" <<'EOF'
import re, sys
out = open(sys.argv[1], encoding="utf-8").read()
rows = []
for line in open(sys.argv[2]):
    f = line.rstrip("\n").split("|")
    f += [""] * (22 - len(f))
    rows.append(dict(zip(["no", "esrc", "edst", "arpop", "arpspa", "arptpa", "arpsha", "ipsrc",
                          "ipdst", "sport", "dport", "seq", "ack", "flags", "len", "win",
                          "usport", "udport", "dnsid", "dnsresp", "method", "code"], f)))
bad = []

# TCP: each printed segment is a frame of the capture, and each frame of the client is printed
tcp_re = re.compile(r"TCP (\S+)\s+\[([01]{6})\]\s+([\d.]+):(\d+) > ([\d.]+):(\d+)\s+"
                    r"seq=(\d+) ack=(\d+) win=(\d+) len=(\d+)")
printed = set()
for m in tcp_re.finditer(out):
    names, bits, src, sp, dst, dp, seq, ack, win, ln = m.groups()
    flags = int(bits, 2)
    printed.add((src, int(sp), dst, int(dp), int(seq), int(ack) if flags & 0x10 else None,
                 int(win), int(ln), flags))
wire = set()
for r in rows:
    if not r["sport"]:
        continue
    flags = int(r["flags"], 16) & 0x3f
    wire.add((r["ipsrc"], int(r["sport"]), r["ipdst"], int(r["dport"]), int(r["seq"]),
              int(r["ack"]) if flags & 0x10 else None, int(r["win"]), int(r["len"]), flags))
if not printed:
    bad.append("no TCP segment printed")
for p in sorted(printed, key=str):
    if p not in wire:
        bad.append("printed TCP segment not in the pcap: %r" % (p,))
for w in sorted(wire, key=str):
    if "10.0.1.10" in (w[0], w[2]) and w not in printed:
        bad.append("client segment in the pcap but not printed: %r" % (w,))

# DNS ids and the resolver's ports
dns_printed = {(kind, int(i, 16), sp, dp) for kind, i, sp, dp in re.findall(
    r"DNS (query|answer)\s+id=0x([0-9a-f]{4}).*?udp [\d.]+:(\d+) > [\d.]+:(\d+)", out)}
dns_wire = {("answer" if r["dnsresp"] in ("1", "True") else "query", int(r["dnsid"], 16),
             r["usport"], r["udport"]) for r in rows if r["dnsid"]}
if not dns_printed:
    bad.append("no DNS id printed")
for p in dns_printed:
    if p not in dns_wire:
        bad.append("printed DNS message not in the pcap: %r (pcap: %r)" % (p, dns_wire))

# MAC addresses
macs_wire = {r[k].lower() for r in rows for k in ("esrc", "edst", "arpsha") if r[k]}
macs_printed = set(re.findall(r"\b[0-9a-f]{2}(?::[0-9a-f]{2}){5}\b", out))
if not macs_printed:
    bad.append("no MAC address printed")
for m in sorted(macs_printed - macs_wire):
    bad.append("printed MAC %s is not in the pcap" % m)

# the order of the journey in the capture
def first(pred, after):
    for i, r in enumerate(rows):
        if i > after and pred(r):
            return i
    return None
steps = [
    ("ARP request of the client", lambda r: r["arpop"] == "1" and r["arpspa"] == "10.0.1.10"
     and r["arptpa"] != "10.0.1.10"),
    ("ARP reply", lambda r: r["arpop"] == "2" and r["arptpa"] == "10.0.1.10"),
    ("DNS query", lambda r: r["dnsid"] and r["dnsresp"] in ("0", "False")),
    ("DNS answer", lambda r: r["dnsid"] and r["dnsresp"] in ("1", "True")),
    ("SYN", lambda r: r["flags"] and int(r["flags"], 16) & 0x3f == 0x02),
    ("SYN/ACK", lambda r: r["flags"] and int(r["flags"], 16) & 0x3f == 0x12),
    ("ACK", lambda r: r["flags"] and int(r["flags"], 16) & 0x3f == 0x10 and r["len"] == "0"
     and r["ipsrc"] == "10.0.1.10"),
    ("GET", lambda r: r["method"] == "GET"),
    ("200", lambda r: r["code"] == "200"),
    ("FIN", lambda r: r["flags"] and int(r["flags"], 16) & 0x01),
]
at = -1
for name, pred in steps:
    i = first(pred, at)
    if i is None:
        bad.append("the pcap has no %s after frame %d" % (name, at + 1))
        break
    at = i
fins = [r for r in rows if r["flags"] and int(r["flags"], 16) & 0x01]
if len({(r["ipsrc"], r["sport"]) for r in fins if r["ipsrc"] in ("10.0.1.10", "10.0.2.80")}) < 2:
    bad.append("the FIN exchange is not complete: FINs from %r" % [(r["ipsrc"], r["sport"]) for r in fins])
for b in bad:
    print("FAIL:", b)
print("checked: %d TCP segments, %d DNS messages, %d MAC addresses against %d frames" %
      (len(printed), len(dns_printed), len(macs_printed), len(rows)))
sys.exit(1 if bad else 0)
EOF

# --- 2. the SVG: well-formed, and it renders to a PNG that is not blank ------------------
rsvg-convert -o "$work/demo.png" "$work/demo.svg" 2>"$work/rsvg.err" ||
	{ cat "$work/rsvg.err"; fail "rsvg-convert cannot render the SVG"; }
"$PY" - "$work/demo.svg" "$work/demo.png" <<'EOF'
import struct, sys, zlib
import xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
assert root.tag.endswith("svg"), "root element is %s" % root.tag
n_lines = sum(1 for e in root.iter() if e.tag.endswith("line"))
assert n_lines > 10, "only %d lines in the diagram" % n_lines

def colours(path):
    try:
        from PIL import Image
        img = Image.open(path).convert("RGBA")
        return len(set(img.getdata())), img.size
    except ImportError:
        pass
    # no PIL: decode the PNG (8-bit RGB/RGBA, as rsvg-convert writes it) with zlib alone
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, w = 8, b"", 0
    while pos < len(data):
        ln, typ = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + ln]
        if typ == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and ctype in (2, 6), "PNG type %d/%d" % (depth, ctype)
            bpp = 3 if ctype == 2 else 4
        elif typ == b"IDAT":
            idat += body
        pos += 12 + ln
    raw, stride, prev, seen, i = zlib.decompress(idat), w * bpp, None, set(), 0
    for _ in range(h):
        ft, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        prev = prev or bytearray(stride)
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b, c = prev[x], prev[x - bpp] if x >= bpp else 0
            if ft == 1: line[x] = (line[x] + a) & 255
            elif ft == 2: line[x] = (line[x] + b) & 255
            elif ft == 3: line[x] = (line[x] + (a + b) // 2) & 255
            elif ft == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        seen.update(bytes(line[x:x + bpp]) for x in range(0, stride, bpp))
        prev = line
    return len(seen), (w, h)
n, size = colours(sys.argv[2])
assert n > 1, "the rendered PNG is blank (%d colour)" % n
print("svg: %d lines, rendered %dx%d with %d colours" % (n_lines, size[0], size[1], n))
EOF

# --- 3. a lossy link: the walkthrough still completes, with retransmissions ---------------
rc=0
run_demo --loss 0.2 --seed 7 --svg "$work/loss.svg" >"$work/loss.txt" 2>&1 || rc=$?
if [ $rc -ne 0 ]; then
	cat "$work/loss.txt"
	fail "ustack demo --loss 0.2 --seed 7 exited $rc"
fi
grep -q '(retransmission)' "$work/loss.txt" || { cat "$work/loss.txt"; fail "no retransmission shown with --loss 0.2"; }
grep -Eq 'retransmissions +[1-9]' "$work/loss.txt" || { cat "$work/loss.txt"; fail "the summary counts no retransmission"; }
grep -q 'CLOSED' "$work/loss.txt" || fail "the lossy walkthrough did not reach CLOSED"
echo "loss: $(grep -c '(retransmission)' "$work/loss.txt") retransmitted frames shown"

# --- 4. Korean, quiet, bad usage -----------------------------------------------------------
run_demo --lang ko >"$work/ko.txt" 2>&1 || { cat "$work/ko.txt"; fail "--lang ko failed"; }
grep -q '계층별로' "$work/ko.txt" || fail "--lang ko does not narrate in Korean"
run_demo --quiet >"$work/quiet.txt" 2>&1 || { cat "$work/quiet.txt"; fail "--quiet failed"; }
[ "$(wc -l <"$work/quiet.txt")" -le 15 ] || { cat "$work/quiet.txt"; fail "--quiet printed more than the summary"; }
grep -q 'HTTP 200' "$work/quiet.txt" || fail "--quiet summary lacks the HTTP status"
rc=0
"$BIN" demo --no-such-option >"$work/usage.txt" 2>&1 || rc=$?
[ $rc -eq 2 ] || fail "bad usage exited $rc, not 2"
grep -q '^usage:' "$work/usage.txt" || fail "bad usage prints no usage"

# --- 5. against Linux: examples/linux-walkthrough.sh (root, a namespace of its own) ---------
if [ "$(id -u)" -eq 0 ] && [ -c /dev/net/tun ] && command -v dnsmasq >/dev/null &&
	ip netns add "ustk-demo-probe-$$" 2>/dev/null; then
	ip netns del "ustk-demo-probe-$$"
	rc=0
	USTACK_BIN=$BIN timeout 120 bash "$SRC/examples/linux-walkthrough.sh" --pcap "$work/tap.pcap" \
		>"$work/tap.txt" 2>&1 || rc=$?
	[ $rc -eq 0 ] || { cat "$work/tap.txt"; fail "examples/linux-walkthrough.sh exited $rc"; }
	for want in 'DNS answer' 'TCP SYN/ACK' 'HTTP/1.1 200' 'TIME_WAIT'; do
		grep -qF -- "$want" "$work/tap.txt" || { cat "$work/tap.txt"; fail "the Linux walkthrough does not show '$want'"; }
	done
	tshark -r "$work/tap.pcap" -Y 'http.response.code == 200' 2>/dev/null | grep -q . ||
		fail "the Linux walkthrough's pcap has no HTTP 200"
	echo "linux walkthrough: ok"
else
	echo "linux walkthrough: skipped (needs root, /dev/net/tun, dnsmasq and network namespaces)"
fi

# `make demo` runs exactly this command
grep -qE '^demo:' "$SRC/Makefile" && grep -qE 'ustack demo' "$SRC/Makefile" || fail "make demo does not run ustack demo"
echo "test_demo: ok"
