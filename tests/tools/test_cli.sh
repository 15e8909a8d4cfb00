#!/usr/bin/env bash
# test_cli.sh - the ustack command's subcommands ping, up, host, dns, netstat, udpcat
# without root: bad usage exits 2 with a one-line error and the usage, --help exits 0,
# and the in-process networks work (ping 3/3, ping to nobody exits 1, host resolves,
# dns + netstat through the control socket). Every command runs under `timeout`.
set -uo pipefail

B=${USTACK_BIN:?USTACK_BIN: path of the ustack binary}
T=$(mktemp -d /tmp/ustack-cli.XXXXXX)
BGPID=
cleanup() {
	if [ -n "$BGPID" ]; then kill "$BGPID" 2>/dev/null; wait "$BGPID" 2>/dev/null; fi
	rm -rf "$T"
}
trap cleanup EXIT

FAILS=0
PASSES=0
fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
pass() { echo "ok: $*"; PASSES=$((PASSES + 1)); }

# run SECS ARGS...: runs the binary with a time bound; output in $T/out, $T/err, status in $RC
run() {
	local secs=$1; shift
	timeout -k 2 "$secs" "$B" "$@" >"$T/out" 2>"$T/err"
	RC=$?
}

# usage_error CMD ARGS...: exit 2, stdout empty, stderr = one error line then the usage
usage_error() {
	local cmd=$1; shift
	run 10 "$@"
	local first second
	first=$(sed -n 1p "$T/err")
	second=$(sed -n 2p "$T/err")
	if [ "$RC" -ne 2 ]; then
		fail "'$*' exited $RC, want 2"
	elif [ -s "$T/out" ]; then
		fail "'$*' wrote to stdout on bad usage"
	elif [[ "$first" != "ustack $cmd: "* ]]; then
		fail "'$*' first stderr line is '$first', want 'ustack $cmd: ...'"
	elif [[ "$second" != usage:* ]]; then
		fail "'$*' second stderr line is '$second', want the usage"
	else
		pass "bad usage '$*' -> 2: $first"
	fi
}

# --- bad usage, every subcommand ---
usage_error ping ping
usage_error ping ping -c
usage_error ping ping -c zero 10.0.0.2
usage_error ping ping -c 0 10.0.0.2
usage_error ping ping -i -1 10.0.0.2
usage_error ping ping -s 70000 10.0.0.2
usage_error ping ping -t 300 10.0.0.2
usage_error ping ping -W nope 10.0.0.2
usage_error ping ping --bogus 10.0.0.2
usage_error ping ping 10.0.0.2 10.0.0.3
usage_error ping ping --addr 10.0.0.300/24 10.0.0.2
usage_error ping ping --loss 2 10.0.0.2
usage_error ping ping --delay -1 10.0.0.2
usage_error bulk bulk --delay 20000
usage_error ping ping --addr 10.0.0.5/24 10.0.0.2
usage_error up up
usage_error up up --tap tap0
usage_error up up --addr 10.0.0.1/24
usage_error up up --tap tap0 --addr 10.0.0.1/33
usage_error up up --tap tap0 --addr 10.0.0.1/24 extra
usage_error up up --dev packet:veth0
usage_error up up --dev bogus:veth0 --addr 10.0.0.1/24
usage_error up up --dev packet: --addr 10.0.0.1/24
usage_error up up --dev veth0 --addr 10.0.0.1/24
usage_error bulk bulk --dev packet:veth0 --addr 10.0.0.1/24
usage_error host host
usage_error host host -W
usage_error host host -W 0 www.example.test
usage_error host host --port 0 www.example.test
usage_error host host www.example.test not-an-address
usage_error host host a b c
usage_error host host -t MX www.example.test
usage_error host host -t
usage_error host host --dns 10.0.0.300 www.example.test
usage_error host host --dns fe80::1 www.example.test
usage_error host host --dns 2001:db8::53%tap0 www.example.test
usage_error host host --dns ff02::1 www.example.test
usage_error host host --dns :: www.example.test
usage_error host host --tap tap0 --addr 10.0.0.1/24 --dns fe80::1%tap9 www.example.test
usage_error host host --tap tap0 --addr 10.0.0.1/24 www.example.test fe80::1%tap9
usage_error get get --dns 2001:db8::zz http://www.example.test/
usage_error up up --tap tap0 --addr 10.0.0.1/24 --dns fe80::1%
usage_error demo demo --tap tap0 --addr 10.0.0.1/24 --dns 2001:db8::53
usage_error dns dns
usage_error dns dns --zone
usage_error dns dns --zone z --port 70000
usage_error dns dns --zone z --tap tap0
usage_error netstat netstat -z
usage_error netstat netstat extra
usage_error netstat netstat --ctl
usage_error udpcat udpcat
usage_error udpcat udpcat send 10.0.0.2 9
usage_error udpcat udpcat recv 0 1
usage_error udpcat udpcat send 10.0.0.2 9 70000

# --- --help ---
for c in ping up host dns netstat udpcat; do
	run 10 "$c" --help
	if [ "$RC" -eq 0 ] && grep -q '^usage: ustack' "$T/out"; then
		pass "$c --help"
	else
		fail "$c --help exited $RC"
	fi
done

# --- ping on the in-process network ---
run 30 ping -c 3 -i 0.05 10.0.0.2
if [ "$RC" -eq 0 ] && grep -q '^PING 10.0.0.2 (10.0.0.2) 56(84) bytes of data\.$' "$T/out" &&
   [ "$(grep -c '^64 bytes from 10.0.0.2: icmp_seq=[123] ttl=64 time=[0-9.]* ms$' "$T/out")" -eq 3 ] &&
   grep -q '^--- 10.0.0.2 ping statistics ---$' "$T/out" &&
   grep -q '^3 packets transmitted, 3 received, 0% packet loss, time [0-9]*ms$' "$T/out" &&
   grep -q '^rtt min/avg/max/mdev = [0-9.]*/[0-9.]*/[0-9.]*/[0-9.]* ms$' "$T/out"; then
	pass "ping -c 3 10.0.0.2: 3/3"
else
	fail "ping -c 3 10.0.0.2 (exit $RC):"; cat "$T/out" "$T/err"
fi

run 30 ping -c 3 -i 0.05 -s 4000 10.0.0.2
if [ "$RC" -eq 0 ] && grep -q '^PING 10.0.0.2 (10.0.0.2) 4000(4028) bytes' "$T/out" &&
   [ "$(grep -c '^4008 bytes from 10.0.0.2: icmp_seq=' "$T/out")" -eq 3 ] &&
   ! grep -q 'wrong data' "$T/out"; then
	pass "ping -s 4000 (fragmented both ways): 3/3"
else
	fail "ping -s 4000 (exit $RC):"; cat "$T/out" "$T/err"
fi

run 30 ping -c 2 -W 1 -i 0.2 10.0.0.9
if [ "$RC" -eq 1 ] && grep -q '^2 packets transmitted, 0 received, 100% packet loss' "$T/out" &&
   ! grep -q '^rtt' "$T/out"; then
	pass "ping to nobody exits 1"
else
	fail "ping -c 2 -W 1 10.0.0.9 (exit $RC, want 1):"; cat "$T/out" "$T/err"
fi

run 30 ping -q -c 2 -i 0.05 10.0.0.2
if [ "$RC" -eq 0 ] && ! grep -q 'bytes from' "$T/out" && grep -q '2 received' "$T/out"; then
	pass "ping -q prints only the summary"
else
	fail "ping -q (exit $RC):"; cat "$T/out" "$T/err"
fi

run 30 ping -c 1 --trace 10.0.0.2
if [ "$RC" -eq 0 ] && grep -Eq '^\[ *[0-9]+\.[0-9]{6}\] ping tx +.*ICMP echo request' "$T/err" &&
   grep -Eq '^\[ *[0-9]+\.[0-9]{6}\] peer rx +.*ICMP echo request' "$T/err" &&
   ! grep -q '^\[' "$T/out"; then
	pass "ping --trace: decoded frames on stderr"
else
	fail "ping --trace (exit $RC):"; head -20 "$T/err"
fi

# --pcap: a capture of the in-process network that tshark reads cleanly
if ! command -v tshark >/dev/null; then
	fail "tshark is missing: ping --pcap cannot be checked"
else
	run 30 ping -c 2 -i 0.05 -s 3000 --pcap "$T/ping.pcap" 10.0.0.2
	n=$(timeout 30 tshark -r "$T/ping.pcap" -Y icmp 2>/dev/null | wc -l)
	bad=$(timeout 30 tshark -r "$T/ping.pcap" -Y _ws.malformed 2>&1 | grep -vc 'Running as user')
	if [ "$RC" -eq 0 ] && [ "$n" -ge 4 ] && [ "$bad" -eq 0 ]; then
		pass "ping --pcap: $n ICMP packets, none malformed"
	else
		fail "ping --pcap: exit $RC, $n icmp, $bad malformed"
	fi
	# records are dated by the wall clock: the first frame was taken a moment ago
	first=$(timeout 30 tshark -r "$T/ping.pcap" -c 1 -T fields -e frame.time_epoch 2>/dev/null)
	age=$(( $(date +%s) - ${first%%.*} ))
	if [ -n "$first" ] && [ "$age" -ge 0 ] && [ "$age" -lt 120 ]; then
		pass "ping --pcap: first frame dated ${age}s ago"
	else
		fail "ping --pcap: first frame time '$first' is not now"
	fi
fi

# --- host on the in-process network (a ustack DNS server with the demo zone) ---
run 30 host www.example.test
want=$'www.example.test has address 10.0.2.80\nwww.example.test has IPv6 address 2001:db8::80'
if [ "$RC" -eq 0 ] && [ "$(cat "$T/out")" = "$want" ]; then
	pass "host www.example.test: A then AAAA, as host(1)"
else
	fail "host www.example.test (exit $RC):"; cat "$T/out" "$T/err"
fi

run 30 host -t AAAA www.example.test
if [ "$RC" -eq 0 ] && [ "$(cat "$T/out")" = "www.example.test has IPv6 address 2001:db8::80" ]; then
	pass "host -t AAAA www.example.test"
else
	fail "host -t AAAA www.example.test (exit $RC):"; cat "$T/out" "$T/err"
fi

run 30 host -t AAAA mail.example.test
if [ "$RC" -eq 0 ] && [ "$(cat "$T/out")" = "mail.example.test has no AAAA record" ]; then
	pass "host -t AAAA of a name with only A: NODATA"
else
	fail "host -t AAAA mail.example.test (exit $RC):"; cat "$T/out" "$T/err"
fi

run 30 host -t A v6only.example.test
if [ "$RC" -eq 0 ] && [ "$(cat "$T/out")" = "v6only.example.test has no A record" ]; then
	pass "host -t A of a name with only AAAA: NODATA"
else
	fail "host -t A v6only.example.test (exit $RC):"; cat "$T/out" "$T/err"
fi

run 30 host 2001:db8::80
if [ "$RC" -eq 0 ] && [ "$(cat "$T/out")" = "0.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa domain name pointer www.example.test." ]; then
	pass "host 2001:db8::80: PTR under ip6.arpa"
else
	fail "host 2001:db8::80 (exit $RC):"; cat "$T/out" "$T/err"
fi

run 30 host alias.example.test
if [ "$RC" -eq 0 ] && [ "$(sed -n 1p "$T/out")" = "alias.example.test is an alias for www.example.test." ] &&
   [ "$(sed -n 2p "$T/out")" = "www.example.test has address 10.0.2.80" ]; then
	pass "host alias.example.test (CNAME)"
else
	fail "host alias.example.test (exit $RC):"; cat "$T/out" "$T/err"
fi

run 30 host nope.example.test
if [ "$RC" -eq 1 ] && [ "$(cat "$T/out")" = "Host nope.example.test not found: 3(NXDOMAIN)" ]; then
	pass "host nope.example.test: NXDOMAIN, exit 1"
else
	fail "host nope.example.test (exit $RC, want 1):"; cat "$T/out" "$T/err"
fi

printf 'svc.zone.test A 10.9.8.7\n' >"$T/zone"
run 30 host --zone "$T/zone" svc.zone.test
if [ "$RC" -eq 0 ] && [ "$(cat "$T/out")" = "svc.zone.test has address 10.9.8.7" ]; then
	pass "host --zone FILE"
else
	fail "host --zone (exit $RC):"; cat "$T/out" "$T/err"
fi

# A server address nobody has: the lookup times out within -W.
start=$(date +%s%N)
run 30 host -W 1 www.example.test 10.0.0.99
ms=$(( ($(date +%s%N) - start) / 1000000 ))
if [ "$RC" -eq 1 ] && grep -qx ';; connection timed out; no servers could be reached' "$T/out" &&
   [ "$ms" -lt 5000 ]; then
	pass "host with no server: timed out in ${ms} ms, exit 1"
else
	fail "host -W 1 ... 10.0.0.99 (exit $RC, ${ms} ms):"; cat "$T/out" "$T/err"
fi

# --- dns (in-process) served until SIGTERM, read by netstat through --ctl ---
printf 'a.zone.test A 10.1.2.3\n' >"$T/zone"
# (timeout passes our SIGTERM on and kills 10 s later: room for a sanitizer's exit
# checks on a loaded machine; a process that hangs still fails the check below)
timeout -k 10 60 "$B" dns --zone "$T/zone" --ctl "$T/ctl" >"$T/dns.out" 2>"$T/dns.err" &
BGPID=$!
for _ in $(seq 1 100); do [ -S "$T/ctl" ] && break; sleep 0.05; done
if [ -S "$T/ctl" ]; then
	run 10 netstat -a -u --ctl "$T/ctl"
	if [ "$RC" -eq 0 ] && grep -q '^Proto Recv-Q Send-Q Local Address           Foreign Address         State' "$T/out" &&
	   grep -Eq '^udp6 +0 +0 :::53 +:::\*' "$T/out"; then
		pass "netstat -au shows the DNS server's socket (udp6 :::53: both families)"
	else
		fail "netstat -au (exit $RC):"; cat "$T/out" "$T/err"
	fi
	run 10 netstat -t --ctl "$T/ctl"
	if [ "$RC" -eq 0 ] && ! grep -q '^udp' "$T/out"; then
		pass "netstat -t filters out UDP"
	else
		fail "netstat -t (exit $RC):"; cat "$T/out" "$T/err"
	fi
	run 10 netstat -s --ctl "$T/ctl"
	if [ "$RC" -eq 0 ] && grep -qx 'Ip:' "$T/out" && grep -qx 'Icmp:' "$T/out" &&
	   grep -qx 'Tcp:' "$T/out" && grep -qx 'Udp:' "$T/out" &&
	   grep -q 'segments retransmitted' "$T/out"; then
		pass "netstat -s groups the counters"
	else
		fail "netstat -s (exit $RC):"; cat "$T/out" "$T/err"
	fi
	kill -TERM "$BGPID"
	t0=$(date +%s%N)
	wait "$BGPID"; rc=$?
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	BGPID=
	if [ "$rc" -eq 0 ] && [ ! -e "$T/ctl" ]; then
		pass "dns stops on SIGTERM (exit 0 after ${ms} ms), control socket removed"
	else
		fail "dns after SIGTERM: exit $rc after ${ms} ms, socket $( [ -e "$T/ctl" ] && echo left || echo removed)"
		cat "$T/dns.err"
	fi
else
	fail "ustack dns never served its control socket"; cat "$T/dns.err"
fi
run 10 netstat --ctl "$T/none.ctl"
if [ "$RC" -eq 1 ] && grep -q '^ustack netstat: ' "$T/err"; then
	pass "netstat with no process: exit 1"
else
	fail "netstat --ctl missing (exit $RC)"
fi

echo "$PASSES passed, $FAILS failed"
[ "$FAILS" -eq 0 ]
