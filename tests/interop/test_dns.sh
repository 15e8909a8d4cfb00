#!/usr/bin/env bash
# test_dns.sh - `ustack host` over a TAP against dnsmasq in a namespace of its own: A and
# CNAME records resolve, reverse lookups (`ustack host 10.0.2.80`: PTR) too, NXDOMAIN is reported as host(1) does (exit 1), and with the
# server gone the lookup fails within its timeout. Then the other way round: `ustack dns`
# serves a zone and a Linux client (python3) gets the answers.
source "$(dirname "$0")/lib.sh"
lib_init dns
command -v dnsmasq >/dev/null || lib_require "needs dnsmasq"

ns_tap tap0 10.20.0.1/24     # Linux (dnsmasq) 10.20.0.1, ustack host 10.20.0.2
ns_tap tap1 10.20.1.1/24     # Linux client 10.20.1.1, ustack dns 10.20.1.2

bg_run dnsmasq 120 dnsmasq --no-daemon --conf-file=/dev/null --no-resolv --no-hosts \
	--user=root --port 53 --listen-address=10.20.0.1 --bind-interfaces \
	--local=/example.test/ --host-record=www.example.test,10.0.2.80 \
	--cname=alias.example.test,www.example.test --cname=web.example.test,alias.example.test \
	--host-record=multi.example.test,10.0.2.1 --bogus-priv --pid-file="$T/dnsmasq.pid" --log-queries \
	--log-facility="$T/dnsmasq.log"
DNSMASQ=$BG_PID
if ! wait_for 10 nsx sh -c 'ss -lun 2>/dev/null | grep -q "10.20.0.1:53 "'; then
	echo "FAIL: dnsmasq did not start:"; cat "$T/dnsmasq.err" "$T/dnsmasq.log" 2>/dev/null
	exit 1
fi

# host ARGS...: ustack host over tap0; output in $OUT, status in $RC, time in $MS
host() {
	local start
	start=$(date +%s%N)
	NH=$((NH + 1))
	OUT=$(nsx timeout 30 "$B" host --tap tap0 --addr 10.20.0.2/24 --pcap "$T/host-$NH.pcap" "$@" 2>&1)
	RC=$?
	MS=$(( ($(date +%s%N) - start) / 1000000 ))
}
NH=0

host --dns 10.20.0.1 www.example.test
if [ "$RC" -eq 0 ] && [ "$OUT" = "www.example.test has address 10.0.2.80" ]; then
	pass "A record: $OUT"
else
	fail "host www.example.test (exit $RC): $OUT"
fi

host --dns 10.20.0.1 alias.example.test
want=$'alias.example.test is an alias for www.example.test.\nwww.example.test has address 10.0.2.80'
if [ "$RC" -eq 0 ] && [ "$OUT" = "$want" ]; then
	pass "CNAME: alias.example.test -> www.example.test"
else
	fail "host alias.example.test (exit $RC): $OUT"
fi

host --dns 10.20.0.1 web.example.test
want=$'web.example.test is an alias for alias.example.test.\nalias.example.test is an alias for www.example.test.\nwww.example.test has address 10.0.2.80'
if [ "$RC" -eq 0 ] && [ "$OUT" = "$want" ]; then
	pass "CNAME chain of two"
else
	fail "host web.example.test (exit $RC): $OUT"
fi

host www.example.test 10.20.0.1
if [ "$RC" -eq 0 ] && grep -q '^Using domain server:$' <<<"$OUT" &&
   grep -q '^Address: 10.20.0.1#53$' <<<"$OUT" &&
   grep -q '^www.example.test has address 10.0.2.80$' <<<"$OUT"; then
	pass "SERVER argument: host(1)'s server header, then the answer"
else
	fail "host www.example.test 10.20.0.1 (exit $RC): $OUT"
fi

host --dns 10.20.0.1 nope.example.test
if [ "$RC" -eq 1 ] && [ "$OUT" = "Host nope.example.test not found: 3(NXDOMAIN)" ]; then
	pass "NXDOMAIN: $OUT (exit 1)"
else
	fail "host nope.example.test (exit $RC, want 1): $OUT"
fi

# Reverse lookups: dnsmasq's host-records give PTRs; --bogus-priv makes it answer NXDOMAIN
# for the private addresses it has no name for.
host --dns 10.20.0.1 10.0.2.80
if [ "$RC" -eq 0 ] && [ "$OUT" = "80.2.0.10.in-addr.arpa domain name pointer www.example.test." ]; then
	pass "reverse: $OUT"
else
	fail "host 10.0.2.80 (exit $RC): $OUT"
fi
host --dns 10.20.0.1 10.0.2.1
if [ "$RC" -eq 0 ] && [ "$OUT" = "1.2.0.10.in-addr.arpa domain name pointer multi.example.test." ]; then
	pass "reverse: $OUT"
else
	fail "host 10.0.2.1 (exit $RC): $OUT"
fi
host --dns 10.20.0.1 10.0.2.99
if [ "$RC" -eq 1 ] && [ "$OUT" = "Host 99.2.0.10.in-addr.arpa not found: 3(NXDOMAIN)" ]; then
	pass "reverse of an unnamed address: $OUT (exit 1)"
else
	fail "host 10.0.2.99 (exit $RC, want 1): $OUT"
fi
if grep -q 'query\[PTR\] 80.2.0.10.in-addr.arpa from 10.20.0.2' "$T/dnsmasq.log"; then
	pass "dnsmasq logged ustack's PTR query"
else
	fail "no PTR query in dnsmasq's log:"; tail -5 "$T/dnsmasq.log"
fi

# A server address nobody has: no answer at all, the lookup ends at -W.
host -W 2 --dns 10.20.0.99 www.example.test
if [ "$RC" -eq 1 ] && [ "$OUT" = ";; connection timed out; no servers could be reached" ] &&
   [ "$MS" -ge 1500 ] && [ "$MS" -lt 6000 ]; then
	pass "no server at that address: timed out after $MS ms (-W 2), exit 1"
else
	fail "host -W 2 via 10.20.0.99 (exit $RC, $MS ms): $OUT"
fi

# dnsmasq stopped: its port is closed now; the lookup fails within -W all the same.
kill -TERM "$DNSMASQ"; wait "$DNSMASQ" 2>/dev/null
host -W 2 --dns 10.20.0.1 www.example.test
if [ "$RC" -eq 1 ] && grep -q 'no servers could be reached' <<<"$OUT" && [ "$MS" -lt 6000 ]; then
	pass "server stopped: '$(tail -1 <<<"$OUT")' after $MS ms, exit 1"
else
	fail "host with dnsmasq stopped (exit $RC, $MS ms): $OUT"
fi

for f in "$T"/host-*.pcap; do pcap_clean "$f"; done

# --- ustack dns serving a zone to a Linux client ---
cat >"$T/zone" <<'EOF'
# test zone
www.zone.test A 10.0.3.80
alias.zone.test CNAME www.zone.test
EOF
bg_run ustack-dns 120 "$B" dns --tap tap1 --addr 10.20.1.2/24 --zone "$T/zone" \
	--pcap "$T/dns.pcap" --ctl "$T/dns.ctl"
DNS_PID=$BG_PID
if ! wait_for 10 test -S "$T/dns.ctl"; then
	echo "FAIL: ustack dns did not come up:"; cat "$T/ustack-dns.err"
	exit 1
fi
# query NAME [PTR]: prints "RCODE ADDR-or-NAME..." from the answer of the server at 10.20.1.2
cat >"$T/query.py" <<'EOF'
import socket, struct, sys
name = sys.argv[1]
qtype = 12 if sys.argv[2:] == ["PTR"] else 1
q = struct.pack(">HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0)
for label in name.split("."):
    q += bytes([len(label)]) + label.encode()
q += b"\0" + struct.pack(">HH", qtype, 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(3)
s.sendto(q, ("10.20.1.2", 53))
r, _ = s.recvfrom(4096)
ident, flags, qd, an = struct.unpack(">HHHH", r[:8])
assert ident == 0x1234 and flags & 0x8000
def skip_name(b, i):
    while True:
        n = b[i]
        if n == 0: return i + 1
        if n & 0xc0 == 0xc0: return i + 2
        i += n + 1
def read_name(b, i, hops=0):
    labels = []
    while hops < 32:
        n = b[i]
        if n == 0: return ".".join(labels)
        if n & 0xc0 == 0xc0:
            i = ((n & 0x3f) << 8) | b[i + 1]; hops += 1; continue
        labels.append(b[i + 1:i + 1 + n].decode()); i += n + 1
    raise ValueError("pointer loop")
i = 12
for _ in range(qd): i = skip_name(r, i) + 4
out = [str(flags & 15)]
for _ in range(an):
    i = skip_name(r, i)
    t, c, ttl, ln = struct.unpack(">HHIH", r[i:i + 10]); i += 10
    if t == 1: out.append(socket.inet_ntoa(r[i:i + 4]))
    if t == 12: out.append(read_name(r, i))
    i += ln
print(" ".join(out))
EOF
if command -v python3 >/dev/null; then
	out=$(nsx timeout 10 python3 "$T/query.py" www.zone.test 2>&1)
	[ "$out" = "0 10.0.3.80" ] && pass "ustack dns answers Linux: www.zone.test A 10.0.3.80" ||
		fail "query www.zone.test: $out"
	out=$(nsx timeout 10 python3 "$T/query.py" alias.zone.test 2>&1)
	[ "$out" = "0 10.0.3.80" ] && pass "ustack dns answers Linux: CNAME + A" ||
		fail "query alias.zone.test: $out"
	out=$(nsx timeout 10 python3 "$T/query.py" 80.3.0.10.in-addr.arpa PTR 2>&1)
	[ "$out" = "0 www.zone.test" ] && pass "ustack dns answers Linux: PTR from its A record" ||
		fail "query 80.3.0.10.in-addr.arpa PTR: $out"
	out=$(nsx timeout 10 python3 "$T/query.py" 81.3.0.10.in-addr.arpa PTR 2>&1)
	[ "$out" = "3" ] && pass "ustack dns answers Linux: PTR of an unknown address NXDOMAIN" ||
		fail "query 81.3.0.10.in-addr.arpa PTR: $out"
	out=$(nsx timeout 10 python3 "$T/query.py" none.zone.test 2>&1)
	[ "$out" = "3" ] && pass "ustack dns answers Linux: NXDOMAIN" ||
		fail "query none.zone.test: $out"
else
	fail "python3 is missing: Linux could not query ustack dns"
fi
out=$(timeout 10 "$B" netstat -au --ctl "$T/dns.ctl" 2>&1)
# one socket on :: serves both families: netstat shows it as udp6 :::53
if grep -Eq '^udp6 +0 +0 :::53 ' <<<"$out"; then
	pass "netstat shows ustack dns's socket on port 53 (udp6 :::53, both families)"
else
	fail "netstat -au of ustack dns:"; echo "$out"
fi
kill -TERM "$DNS_PID"; wait "$DNS_PID"; rc=$?
if [ "$rc" -eq 0 ]; then
	pass "ustack dns: SIGTERM -> exit 0"
else
	fail "ustack dns exit $rc:"; cat "$T/ustack-dns.err"
fi
pcap_clean "$T/dns.pcap"

lib_finish
