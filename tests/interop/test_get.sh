#!/usr/bin/env bash
# test_get.sh - `ustack get` against Linux peers in a network namespace: files from
# `python3 -m http.server`, reached by a name that dnsmasq resolves, byte-identical;
# then curl's exit codes for a 404 (22), an unknown name (6) and a closed port (7).
# Each download's pcap is checked with tshark.
source "$(dirname "$0")/lib_tcp.sh"

PY=/usr/bin/python3
lt_setup get dnsmasq sha256sum "$PY"

WWW=$T/www
mkdir -p "$WWW"
head -c 1048576 /dev/urandom >"$WWW/1M.bin"
head -c 67108864 /dev/urandom >"$WWW/64M.bin"
NAME=files.example.test
NET=(--tap tap0 --addr "$LT_USTACK_IP/24" --dns "$LT_LINUX_IP")

lt_bg http.log 500 "$PY" -m http.server 8080 --bind "$LT_LINUX_IP" --directory "$WWW"
lt_bg dnsmasq.log 500 dnsmasq --no-daemon --no-resolv --no-hosts --conf-file=/dev/null \
	--pid-file= --user=root --listen-address="$LT_LINUX_IP" --bind-interfaces \
	--address="/$NAME/$LT_LINUX_IP" --log-queries --log-facility=-
lt_wait_listen 8080
lt_wait_log dnsmasq.log "started" 10

# ustack get FILE: downloads into got-FILE with a pcap; returns get's exit status
get() {
	local f=$1 secs=$2
	shift 2
	nsx timeout "$secs" "$USTACK_BIN" get "${NET[@]}" --pcap "$T/get-${f%%.*}.pcap" \
		"$@" -o "$T/got-$f" "http://$NAME:8080/$f" 2>"$T/get-$f.err"
}

# the HTTP headers are read, the 64 MiB body is not reassembled: tshark took two
# minutes a pass over this capture doing so, for nothing the checks look at
LT_TSHARK_EXTRA=(-o http.desegment_body:FALSE -o tcp.desegment_tcp_streams:FALSE)
for f in 1M.bin 64M.bin; do
	secs=60
	[ "$f" = 64M.bin ] && secs=300
	if get "$f" $secs; then
		lt_same_file "$WWW/$f" "$T/got-$f" "ustack get $f"
	else
		fail "ustack get $f: exit $? ($(tail -n 1 "$T/get-$f.err"))"
	fi
	# quiet in a pipe: nothing on stderr when all went well
	if [ -s "$T/get-$f.err" ]; then
		fail "ustack get $f printed on stderr (not a terminal): $(head -n 1 "$T/get-$f.err")"
	fi
	lt_check_pcap "$T/get-${f%%.*}.pcap"
	rm -f "$T/got-$f"
done

# to stdout
if nsx timeout 60 "$USTACK_BIN" get "${NET[@]}" "http://$NAME:8080/1M.bin" >"$T/stdout.bin" 2>/dev/null; then
	lt_same_file "$WWW/1M.bin" "$T/stdout.bin" "ustack get to stdout"
else
	fail "ustack get to stdout failed"
fi

# exit codes as curl's
expect_rc() {
	local want=$1 what=$2 rc
	shift 2
	nsx timeout 60 "$USTACK_BIN" get "${NET[@]}" --timeout 10 "$@" -o /dev/null 2>"$T/rc.err"
	rc=$?
	if [ $rc = "$want" ]; then
		pass "$what: exit $rc ($(head -n 1 "$T/rc.err"))"
	else
		fail "$what: exit $rc, want $want ($(head -n 1 "$T/rc.err"))"
	fi
}
expect_rc 22 "404" "http://$NAME:8080/missing.bin"
expect_rc 6 "unknown name" "http://nosuch.invalid.test:8080/"
expect_rc 7 "closed port" "http://$NAME:8081/"
expect_rc 0 "numeric address" "http://$LT_LINUX_IP:8080/1M.bin"

lib_finish
