#!/usr/bin/env bash
# test_synflood.sh - a bounded SYN flood with spoofed sources (hping3 --rand-source)
# aimed at `ustack serve` on a TAP in a namespace, while a download runs: the SYN queue
# (256 entries for serve's backlog of 128) overflows, SYN cookies answer the rest
# (RFC 4987 3.6), the download completes byte-exact, and new connections (curl and a
# raw request over nc) succeed while the flood is still going. The counters
# (`ustack netstat -s`) show cookies sent and accepted.
#
# ustack routes the SYN-ACKs for the spoofed sources to Linux (--gw), which drops them
# (no forwarding in the namespace): nothing leaves the namespace.
source "$(dirname "$0")/lib_tcp.sh"

lt_setup synflood curl hping3 nc sha256sum

FLOOD_MAX=30000        # SYNs at most, 1 ms apart; stopped once the checks are done
WWW=$T/www
mkdir -p "$WWW"
head -c 33554432 /dev/urandom >"$WWW/32M.bin"
head -c 100000 /dev/urandom >"$WWW/small.bin"
URL=http://$LT_USTACK_IP

lt_bg serve.log 120 "$USTACK_BIN" serve --root "$WWW" --port 80 --tap tap0 --quiet \
	--addr "$LT_USTACK_IP/24" --gw "$LT_LINUX_IP" --ctl "$T/serve.ctl" ${SYNFLOOD_PCAP:+--pcap "$T/flood.pcap"}
SERVE=$LT_LAST_PID
lt_wait_log serve.log "Serving HTTP" 20
lt_wait_ping "$LT_USTACK_IP" 5

# counter NAME: one counter of the server (netstat -s prints "    N text")
counter() {
	nsx timeout 10 "$USTACK_BIN" netstat -s --ctl "$T/serve.ctl" 2>/dev/null |
		awk -v t="$1" '{ n = $1; $1 = ""; sub(/^ /, ""); if ($0 == t) { print n; exit } }'
}
cookies_sent() { local n; n=$(counter "SYN cookies sent"); [ "${n:-0}" -gt 0 ]; }

# --- a download that lasts through the flood (8 MiB/s: about 4 s) ---
nsx timeout -k 5 60 curl -sS --fail --limit-rate 8M -o "$T/got-32M.bin" "$URL/32M.bin" \
	2>"$T/bulk.err" &
BULK=$!
BG_PIDS+=("$BULK")
wait_for 10 test -s "$T/got-32M.bin" || fail "the download did not start"

# --- the flood ---
lt_bg hping.log 45 hping3 -q -S -p 80 --rand-source -c "$FLOOD_MAX" -i u1000 "$LT_USTACK_IP"
HPING=$LT_LAST_PID
if wait_for 15 cookies_sent; then
	pass "the SYN queue overflowed: SYN cookies sent ($(counter "SYN cookies sent") so far)"
else
	fail "no SYN cookie sent within 15 s"
	cat "$T/hping.log" >&2
fi

# --- new connections during the flood ---
if nsx curl -sS --fail --max-time 10 -w '%{time_connect} %{time_total}' -o "$T/got-small.bin" \
	"$URL/small.bin" >"$T/small.times" 2>"$T/small.err"; then
	lt_same_file "$WWW/small.bin" "$T/got-small.bin" "new connection (curl) during the flood"
	read -r tc tt <"$T/small.times"
	lt_log "curl during the flood: connected in $tc s, done in $tt s"
else
	fail "new connection (curl) during the flood: $(cat "$T/small.err")"
fi
raw=$(printf 'HEAD /small.bin HTTP/1.0\r\n\r\n' | nsx timeout 10 nc -q 5 "$LT_USTACK_IP" 80 2>&1 |
	head -n 1 | tr -d '\r')
case $raw in
"HTTP/1.1 200"*) pass "new connection (nc) during the flood: $raw" ;;
*) fail "new connection (nc) during the flood: '$raw'" ;;
esac
if kill -0 "$HPING" 2>/dev/null; then
	pass "the flood was still running when both new connections completed"
else
	fail "the flood ended before the new connections were tried"
fi

# --- the download ---
if wait "$BULK"; then
	lt_same_file "$WWW/32M.bin" "$T/got-32M.bin" "32 MiB download through the flood"
else
	fail "the download failed: $(cat "$T/bulk.err")"
fi
if kill -0 "$HPING" 2>/dev/null; then
	pass "the flood lasted the whole download"
else
	fail "the flood ended before the download did"
fi
lt_stop "$HPING" 10
sent=$(counter "SYN cookies sent")
ok=$(counter "SYN cookies received")
bad=$(counter "invalid SYN cookies received")
lt_log "SYN cookies: ${sent:-?} sent, ${ok:-?} accepted, ${bad:-?} refused"
# serve's SYN queue holds 256: the flood went well past it, and cookies answered it
if [ "${sent:-0}" -ge 1000 ]; then
	pass "cookies answered the flood: ${sent} sent"
else
	fail "only ${sent:-0} cookies sent"
fi
# the new connections came while the queue was full: through cookies
[ "${ok:-0}" -ge 1 ] && pass "connections opened by a cookie: $ok" ||
	fail "no connection opened by a cookie"

lt_stop "$SERVE" 20
rc=$?
[ $rc = 0 ] && pass "serve stopped cleanly" || fail "serve exited $rc"
lib_finish
