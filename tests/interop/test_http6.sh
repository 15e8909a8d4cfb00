#!/usr/bin/env bash
# test_http6.sh - HTTP over IPv6 between Linux and ustack on a TAP in a namespace:
#  - one `ustack serve` (a dual-stack listener: one AF_INET6 socket on ::) answers
#    Linux's `curl -6` at its static global address and at its link-local address, and
#    `curl -4` at its IPv4 address; every file byte-identical; the access log names the
#    IPv6 client by its IPv6 address and the IPv4 one by its dotted quad;
#  - `ustack get http://[addr]:port/` downloads from `python3 -m http.server --bind ::`.
# Both captures are read by tshark with no malformed frame.
source "$(dirname "$0")/lib_tcp.sh"

PY=/usr/bin/python3
lt_setup http6 curl sha256sum "$PY"

L6=2001:db8:77::1
U6=2001:db8:77::2
nsx sysctl -qw net.ipv6.conf.tap0.disable_ipv6=0 net.ipv6.conf.lo.disable_ipv6=0
nsx ip -6 addr add "$L6/64" dev tap0 nodad

WWW=$T/www
mkdir -p "$WWW"
head -c 4194304 /dev/urandom >"$WWW/4M.bin"
head -c 100000 /dev/urandom >"$WWW/small.bin"
CURL=(nsx curl -sS --max-time 60 --fail)

lt_bg serve.log 300 "$USTACK_BIN" serve --root "$WWW" --port 8080 --tap tap0 \
	--addr "$LT_USTACK_IP/24" --addr6 "$U6/64" --pcap "$T/serve.pcap" --ctl "$T/serve.ctl"
SERVE=$LT_LAST_PID
lt_wait_log serve.log "Serving HTTP" 20
# DAD takes a second before the address answers
for _ in $(seq 20); do
	nsx ping -6 -n -c 1 -W 1 "$U6" >/dev/null 2>&1 && break
done

if "${CURL[@]}" -6 -o "$T/got6" "http://[$U6]:8080/4M.bin"; then
	lt_same_file "$WWW/4M.bin" "$T/got6" "curl -6 from the dual-stack listener"
else
	fail "curl -6 http://[$U6]:8080/4M.bin failed"
fi
if "${CURL[@]}" -4 -o "$T/got4" "http://$LT_USTACK_IP:8080/4M.bin"; then
	lt_same_file "$WWW/4M.bin" "$T/got4" "curl -4 from the same listener"
else
	fail "curl -4 http://$LT_USTACK_IP:8080/4M.bin failed"
fi
# ustack's link-local address (modified EUI-64 of its MAC, RFC 4291 2.5.1, as Linux
# learnt it for the global address), reached through tap0's scope
MAC=$(nsx ip -6 neigh show dev tap0 | awk -v a="$U6" '$1 == a { for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1); exit }')
LL=
if [ -n "$MAC" ]; then
	IFS=: read -r m0 m1 m2 m3 m4 m5 <<<"$MAC"
	LL=$(printf 'fe80::%x:%x:%x:%x' $(((0x$m0 ^ 2) << 8 | 0x$m1)) $((0x$m2 << 8 | 0xff)) \
		$((0xfe << 8 | 0x$m3)) $((0x$m4 << 8 | 0x$m5)))
fi
if [ -n "$LL" ] && "${CURL[@]}" -6 -g -o "$T/gotll" --interface tap0 "http://[$LL%25tap0]:8080/small.bin"; then
	lt_same_file "$WWW/small.bin" "$T/gotll" "curl -6 to the link-local $LL"
else
	fail "curl -6 to ustack's link-local address (${LL:-not learnt}) failed"
fi
if grep -q "^$L6 - - .*GET /4M.bin\" 200" "$T/serve.log" &&
	grep -q "^$LT_LINUX_IP - - .*GET /4M.bin\" 200" "$T/serve.log"; then
	pass "access log: the IPv6 client as $L6, the IPv4 one as $LT_LINUX_IP"
else
	fail "access log does not name both clients: $(grep GET "$T/serve.log" | head -3)"
fi
# netstat: the one listener is IPv6 (tcp6 on :::8080)
nsx timeout 10 "$USTACK_BIN" netstat -l --ctl "$T/serve.ctl" >"$T/netstat.txt" 2>&1
if grep -qE "^tcp6 .* :::8080 +:::\* +LISTEN" "$T/netstat.txt"; then
	pass "netstat -l: tcp6 :::8080 LISTEN"
else
	fail "netstat -l does not show tcp6 :::8080: $(cat "$T/netstat.txt")"
fi
lt_stop "$SERVE" >/dev/null
lt_check_pcap "$T/serve.pcap"

# --- ustack get from Linux's python http.server on :: ---
lt_bg http.log 120 "$PY" -m http.server 8000 --bind :: --directory "$WWW"
lt_wait_listen 8000
if nsx timeout 60 "$USTACK_BIN" get --tap tap0 --addr "$LT_USTACK_IP/24" --addr6 "$U6/64" \
	--pcap "$T/get.pcap" -o "$T/gotget" "http://[$L6]:8000/4M.bin" 2>"$T/get.err"; then
	lt_same_file "$WWW/4M.bin" "$T/gotget" "ustack get http://[$L6]:8000/"
else
	fail "ustack get http://[$L6]:8000/4M.bin: $(tail -n 2 "$T/get.err")"
fi
if grep -q "^::ffff:\|^$U6 - - .*GET /4M.bin" "$T/http.log" && grep -q "$U6" "$T/http.log"; then
	pass "http.server saw ustack's IPv6 address $U6"
else
	fail "http.server's log does not show $U6: $(tail -n 2 "$T/http.log")"
fi
lt_check_pcap "$T/get.pcap"

lib_finish
