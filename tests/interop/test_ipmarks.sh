#!/usr/bin/env bash
# test_ipmarks.sh - IP_TTL and IP_TOS set on ustack sockets appear on the wire, as Linux
# receives them: examples/ip_marks.c runs over a TAP in a namespace of its own while tshark
# captures the TAP on the Linux side. Its UDP socket (IP_TTL 33, IP_TOS 0x28) sends one
# datagram, then one with sendmsg ancillary data IP_TTL 44 / IP_TOS 0xb8; its TCP socket
# (IP_TTL 55, IP_TOS 0x48) talks to nc. Every ustack packet of each flow must carry its
# ip.ttl and ip.dsfield (TCP: the DSCP, as the ECN bits are TCP's).
source "$(dirname "$0")/lib_tcp.sh"

lt_setup ipmarks tshark nc
EX="$USTACK_BUILD/bin/example_ip_marks"
[ -x "$EX" ] || lib_require "needs $EX (the examples are built with the project)"

bg_run tshark 60 tshark -i tap0 -w "$T/marks.pcapng" -f "ip host $LT_USTACK_IP"
TSHARK=$BG_PID
if ! wait_for 15 grep -q "Capturing on" "$T/tshark.err"; then
	fail "tshark did not start capturing:"; cat "$T/tshark.err"
	lib_finish
fi
lt_bg nc.log 30 sh -c "nc -l $LT_LINUX_IP 7300 </dev/null"
lt_wait_listen 7300

lt_bg marks.log 30 "$EX" tap0 "$LT_USTACK_IP/24" "$LT_LINUX_IP" 7200 7300
MARKS=$LT_LAST_PID
lt_wait_exit "$MARKS" 30
rc=$?
[ $rc = 0 ] && pass "ip_marks ran: $(tr '\n' ' ' <"$T/marks.log")" ||
	fail "ip_marks exited $rc: $(cat "$T/marks.log")"
sleep 1
grep -qx "tcp marks" "$T/nc.log" && pass "nc received the TCP line" ||
	fail "nc received: $(cat "$T/nc.log")"
kill -INT "$TSHARK" 2>/dev/null
wait "$TSHARK" 2>/dev/null

# fields FILTER FIELD...: the distinct values of the fields of ustack's packets that match
fields() {
	local filter=$1
	shift
	timeout 60 tshark -r "$T/marks.pcapng" -Y "ip.src == $LT_USTACK_IP && !icmp && ($filter)" \
		-T fields "${@/#/-e}" 2>/dev/null | sort -u | tr '\t' ' '
}

got=$(fields "udp.dstport == 7200" ip.ttl ip.dsfield)
[ "$got" = "33 0x28" ] && pass "UDP, IP_TTL 33 / IP_TOS 0x28 by setsockopt: ttl and dsfield '$got'" ||
	fail "UDP by setsockopt: want '33 0x28', got '$got'"
got=$(fields "udp.dstport == 7201" ip.ttl ip.dsfield)
[ "$got" = "44 0xb8" ] && pass "UDP, IP_TTL 44 / IP_TOS 0xb8 as sendmsg ancillary data: '$got'" ||
	fail "UDP by cmsg: want '44 0xb8', got '$got'"
n=$(timeout 60 tshark -r "$T/marks.pcapng" -Y "ip.src == $LT_USTACK_IP && !icmp && tcp.dstport == 7300" \
	2>/dev/null | wc -l)
got=$(fields "tcp.dstport == 7300" ip.ttl ip.dsfield.dscp)
# DSCP of TOS 0x48 is 18
if [ "$n" -ge 4 ] && [ "$got" = "55 18" ]; then
	pass "TCP, IP_TTL 55 / IP_TOS 0x48: all $n segments (SYN, data, FIN, ACKs) carry '$got'"
else
	fail "TCP: want '55 18' on every segment, got '$got' over $n segments"
fi
syn=$(fields "tcp.dstport == 7300 && tcp.flags.syn == 1" ip.ttl)
[ "$syn" = "55" ] && pass "TCP: the SYN already carries TTL 55" || fail "TCP SYN TTL: '$syn'"
lib_finish
