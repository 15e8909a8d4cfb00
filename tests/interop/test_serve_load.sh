#!/usr/bin/env bash
# test_serve_load.sh - `ustack serve` (the event loop) under many clients from Linux, on a
# TAP in a network namespace:
#  - ab -n 2000 -c 50, without and with keep-alive: every request answered, all 2xx;
#    500 requests one connection each, one at a time, in under 20 s (the close path);
#  - 5,000 keep-alive connections held idle while a curl completes in under a second,
#    and all 5,000 still open afterwards;
#  - 64 clients trickling a request head one byte a second from one address, over a
#    per-client cap of 16: 48 reset at once, the 16 admitted cut at the 3 s head
#    deadline (not extended by their bytes), while a curl from another address is
#    served in under a second;
#  - a full table (--max-clients 8, all idle keep-alive): a new client is served and the
#    oldest idle connection, only it, is closed for it.
source "$(dirname "$0")/lib_tcp.sh"

lt_setup serveload ab curl python3
CLIENTS=$(dirname "$0")/lib_httpload.py
LT_OTHER_IP=10.77.0.3                 # a second Linux address, for the per-client check
ip -n "$NS" addr add "$LT_OTHER_IP/24" dev tap0

WWW=$T/www
mkdir -p "$WWW"
head -c 600 /dev/urandom | base64 -w 76 >"$WWW/index.html"
URL=http://$LT_USTACK_IP/

# serve_start LOG ARGS...: `ustack serve` on tap0 with ARGS; waits for it to answer.
serve_start() {
	local log=$1
	shift
	lt_bg "$log" 500 "$USTACK_BIN" serve --root "$WWW" --port 80 --tap tap0 \
		--addr "$LT_USTACK_IP/24" --quiet --ctl "$T/$log.ctl" "$@"
	SERVE=$LT_LAST_PID
	lt_wait_log "$log" "Serving HTTP" 20
	lt_wait_ping "$LT_USTACK_IP" 5
}

serve_stop() {
	lt_stop "$SERVE" 20
	local rc=$?
	[ $rc = 0 ] && pass "$1: serve stopped cleanly" || fail "$1: serve exited $rc"
	tail -n 1 "$T/$2" >&2
}

# ab_check WHAT ARGS...: ab in the namespace; 2000 complete, 0 failed, no non-2xx.
ab_check() {
	local what=$1 out
	shift
	out=$(nsx timeout 120 ab -q -r -s 20 "$@" "$URL" 2>&1)
	local complete failed non2xx rps
	complete=$(sed -n 's/^Complete requests: *\([0-9]*\).*/\1/p' <<<"$out")
	failed=$(sed -n 's/^Failed requests: *\([0-9]*\).*/\1/p' <<<"$out")
	non2xx=$(sed -n 's/^Non-2xx responses: *\([0-9]*\).*/\1/p' <<<"$out")
	rps=$(sed -n 's/^Requests per second: *\([0-9.]*\).*/\1/p' <<<"$out")
	if [ "$complete" = 2000 ] && [ "$failed" = 0 ] && [ "${non2xx:-0}" = 0 ]; then
		pass "$what: 2000 complete, 0 failed, 0 non-2xx ($rps requests/s, not asserted)"
	else
		fail "$what: complete '$complete' failed '$failed' non-2xx '${non2xx:-0}'"
		tail -n 30 <<<"$out" >&2
	fi
}

# curl_fast WHAT ARGS...: one curl of URL under a second (curl's own %{time_total})
curl_fast() {
	local what=$1 out code t
	shift
	out=$(nsx curl -sS --max-time 10 -o /dev/null -w '%{http_code} %{time_total}' "$@" "$URL" 2>&1)
	read -r code t <<<"$out"
	if [ "$code" = 200 ] && awk -v t="$t" 'BEGIN { exit !(t < 1.0) }'; then
		pass "$what: curl served in $t s"
	else
		fail "$what: curl '$out' (want 200 in under 1 s)"
	fi
}

# --- 1. ab, and 5,000 idle connections ---
serve_start serve1.log --per-client 0 --keepalive-timeout 120
ab_check "ab -n 2000 -c 50" -n 2000 -c 50
ab_check "ab -k -n 2000 -c 50" -k -n 2000 -c 50

# the close path costs nothing: no linger loop per connection (it used to take 80 ms
# each, 12 requests/s); a functional bound of 25 requests/s, far from any load noise
out=$(nsx timeout 120 ab -q -r -s 20 -n 500 -c 1 "$URL" 2>&1)
secs=$(sed -n 's/^Time taken for tests: *\([0-9.]*\).*/\1/p' <<<"$out")
if grep -q "^Complete requests: *500" <<<"$out" && grep -q "^Failed requests: *0" <<<"$out" &&
	awk -v t="$secs" 'BEGIN { exit !(t > 0 && t < 20) }'; then
	pass "ab -n 500 -c 1, a connection per request: done in $secs s"
else
	fail "ab -n 500 -c 1: '$secs' s (want under 20): $(tail -n 5 <<<"$out")"
fi

bg_run idle 300 python3 "$CLIENTS" idle "$LT_USTACK_IP" 80 5000 "$T/idle.go"
IDLE=$BG_PID
if wait_for 240 grep -q "^held 5000" "$T/idle.out"; then
	pass "5000 keep-alive connections answered and held idle"
	curl_fast "5000 idle connections held"
else
	fail "5000 idle connections: $(tail -n 3 "$T/idle.out" "$T/idle.err" | tr '\n' ' ')"
fi
touch "$T/idle.go"
wait "$IDLE"
k=$(sed -n 's/^still open \([0-9]*\)/\1/p' "$T/idle.out")
[ "$k" = 5000 ] && pass "all 5000 idle connections still open afterwards" ||
	fail "idle connections still open afterwards: '$k' of 5000"
serve_stop "ab and idle" serve1.log

# --- 2. trickling clients over the per-client cap ---
serve_start serve2.log --per-client 16 --max-clients 64 --header-timeout 3
bg_run trickle 60 python3 "$CLIENTS" trickle "$LT_USTACK_IP" 80 64 12
TRICKLE=$BG_PID
sleep 1.5
curl_fast "64 tricklers (16 admitted)" --interface "$LT_OTHER_IP"
wait "$TRICKLE"
v() { sed -n "s/^$1 \([0-9.]*\)/\1/p" "$T/trickle.out"; }
if [ "$(v refused)" = 48 ] && [ "$(v cut)" = 16 ] && [ "$(v open)" = 0 ] &&
	awk -v a="$(v cut-first)" -v b="$(v cut-last)" 'BEGIN { exit !(a >= 2.5 && b <= 5.5) }'; then
	pass "tricklers: 48 over the cap reset at once, 16 cut at the head deadline ($(v cut-first)..$(v cut-last) s, $(v saw408) saw 408)"
else
	fail "tricklers: $(tr '\n' ' ' <"$T/trickle.out") $(head -c 300 "$T/trickle.err")"
fi
serve_stop "tricklers" serve2.log
grep -q "48 refused (per-client cap), 0 evicted (idle), 16 head timeouts" "$T/serve2.log" &&
	pass "serve counted 48 refused and 16 head timeouts" ||
	fail "serve's counts: $(tail -n 1 "$T/serve2.log")"

# --- 3. a full table: the oldest idle connection makes room ---
serve_start serve3.log --max-clients 8
bg_run evict 60 python3 "$CLIENTS" evict "$LT_USTACK_IP" 80 8 "$T/evict.go"
EVICT=$BG_PID
if wait_for 30 grep -q "^held 8" "$T/evict.out"; then
	curl_fast "full table of idle connections"
else
	fail "evict: $(cat "$T/evict.out" "$T/evict.err")"
fi
touch "$T/evict.go"
wait "$EVICT"
closed=$(sed -n 's/^closed\(.*\)/\1/p' "$T/evict.out")
[ "$closed" = " 0" ] && pass "full table: the oldest idle connection (only it) was closed" ||
	fail "full table: closed '$closed', want ' 0'"
serve_stop "eviction" serve3.log
grep -q " 1 evicted (idle)" "$T/serve3.log" && pass "serve counted 1 eviction" ||
	fail "serve's counts: $(tail -n 1 "$T/serve3.log")"

lib_finish
