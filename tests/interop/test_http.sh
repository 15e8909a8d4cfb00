#!/usr/bin/env bash
# test_http.sh - Linux curl against `ustack serve` on a TAP in a network namespace:
# 1 MiB and 64 MiB downloads byte-identical, 50 concurrent clients, keep-alive (two
# URLs on one connection), HEAD, 404, 405 with Allow, path traversal refused, and
# "Connection refused" on a closed port. The server's pcap is checked with tshark.
source "$(dirname "$0")/lib_tcp.sh"

lt_setup http curl sha256sum

WWW=$T/www
mkdir -p "$WWW/sub"
head -c 1048576 /dev/urandom >"$WWW/1M.bin"
head -c 67108864 /dev/urandom >"$WWW/64M.bin"
head -c 100000 /dev/urandom >"$WWW/small.bin"
printf '<html><body>index</body></html>\n' >"$WWW/index.html"
printf 'inner\n' >"$WWW/sub/inner.txt"
echo "secret" >"$T/secret.txt"     # outside the root

URL=http://$LT_USTACK_IP
CURL=(nsx curl -sS --max-time 120)

lt_bg serve.log 500 "$USTACK_BIN" serve --root "$WWW" --port 80 --tap tap0 \
	--addr "$LT_USTACK_IP/24" --pcap "$T/http.pcap" --ctl "$T/serve.ctl"
SERVE=$LT_LAST_PID
lt_wait_log serve.log "Serving HTTP" 20
lt_wait_ping "$LT_USTACK_IP" 5

# --- single downloads ---
for f in 1M.bin 64M.bin; do
	if "${CURL[@]}" --fail -o "$T/got-$f" "$URL/$f"; then
		lt_same_file "$WWW/$f" "$T/got-$f" "curl $f"
	else
		fail "curl $f failed"
	fi
	rm -f "$T/got-$f"
done

# --- 50 at once ---
pids=()
for i in $(seq 50); do
	"${CURL[@]}" --fail -o "$T/c$i" "$URL/small.bin" 2>"$T/c$i.err" &
	pids+=($!)
done
bad=0
for i in $(seq 50); do
	if ! wait "${pids[$((i - 1))]}"; then
		bad=$((bad + 1))
		echo "client $i: $(cat "$T/c$i.err")" >&2
	elif ! cmp -s "$WWW/small.bin" "$T/c$i"; then
		bad=$((bad + 1))
		echo "client $i: body differs" >&2
	fi
done
if [ $bad = 0 ]; then pass "50 concurrent curls"; else fail "$bad of 50 concurrent curls failed"; fi

# --- keep-alive: two URLs, one connection ---
out=$("${CURL[@]}" -v -o /dev/null -o /dev/null "$URL/index.html" "$URL/sub/inner.txt" 2>&1)
if grep -qiE "Re-?using existing connection" <<<"$out"; then
	pass "keep-alive: the second request reused the connection"
else
	fail "keep-alive: connection not reused"
	printf '%s\n' "$out" | tail -n 20 >&2
fi

# --- HEAD ---
out=$("${CURL[@]}" -I "$URL/1M.bin" | tr -d '\r')
if grep -q '^HTTP/1.1 200' <<<"$out" && grep -qi '^Content-Length: 1048576$' <<<"$out"; then
	pass "HEAD: 200 with Content-Length 1048576"
else
	fail "HEAD: $out"
fi

# --- error statuses ---
code() { "${CURL[@]}" -o /dev/null -w '%{http_code}' "$@"; }
c=$(code "$URL/nope.txt"); [ "$c" = 404 ] && pass "404" || fail "missing file: $c, want 404"
c=$(code -X POST -d x=1 "$URL/index.html"); [ "$c" = 405 ] && pass "405" || fail "POST: $c, want 405"
out=$("${CURL[@]}" -o /dev/null -D - -X DELETE "$URL/index.html" | tr -d '\r')
if grep -qi '^Allow: GET, HEAD$' <<<"$out"; then
	pass "405 carries Allow: GET, HEAD"
else
	fail "405 without Allow"
fi
for t in "/../secret.txt" "/sub/../../secret.txt" "/%2e%2e/secret.txt" "/sub/%2E%2E/%2E%2E/secret.txt"; do
	c=$(code --path-as-is "$URL$t")
	case $c in
	403 | 404) pass "traversal $t refused ($c)" ;;
	*) fail "traversal $t: $c" ;;
	esac
done
c=$(code "$URL/sub/"); [ "$c" = 404 ] && pass "directory without index: 404" || fail "/sub/: $c"
c=$(code "$URL/"); [ "$c" = 200 ] && pass "/ serves index.html" || fail "/: $c"
# a malformed request (raw, over bash's /dev/tcp inside the namespace)
raw=$(nsx timeout 10 bash -c "exec 3<>/dev/tcp/$LT_USTACK_IP/80; printf 'GARBAGE\r\n\r\n' >&3; head -c 200 <&3" 2>/dev/null | head -n 1 | tr -d '\r')
case $raw in
"HTTP/1.1 400"*) pass "malformed request: $raw" ;;
*) fail "malformed request: '$raw', want 400" ;;
esac

# --- closed port (-v: curl 7.88 says "Connection refused" only in its verbose lines) ---
out=$(nsx curl -sS -v --max-time 10 "http://$LT_USTACK_IP:81/" 2>&1 | grep -i "refused\|curl:")
rc=$?
if [ $rc = 7 ] && grep -q "Connection refused" <<<"$out"; then
	pass "closed port: $(head -n 1 <<<"$out")"
else
	fail "closed port: rc $rc '$out', want 7 and Connection refused"
fi

# --- netstat sees the server (if the netstat command works) ---
if nsx timeout 10 "$USTACK_BIN" netstat -a --ctl "$T/serve.ctl" >"$T/netstat.txt" 2>&1; then
	grep -q "LISTEN" "$T/netstat.txt" && pass "netstat shows the listener" ||
		fail "netstat: no LISTEN line"
else
	lt_log "netstat not available: $(head -n 1 "$T/netstat.txt")"
fi

lt_stop "$SERVE" 20
rc=$?
[ $rc = 0 ] && pass "serve stopped cleanly" || fail "serve exited $rc"
tail -n 3 "$T/serve.log" >&2
# HTTP on port 80 read as data: curl checked every answer, and tshark's reassembly of the
# 64 MiB bodies would take minutes (the TCP checks are per segment)
LT_TSHARK_EXTRA=(-d tcp.port==80,data)
lt_check_pcap "$T/http.pcap"
lib_finish
