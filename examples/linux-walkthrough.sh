#!/usr/bin/env bash
# linux-walkthrough.sh - the demo's walkthrough against real Linux hosts. A network
# namespace of its own holds a TAP device (the client's link), dnsmasq (the DNS server,
# serving www.example.test) and `python3 -m http.server` (the web server); the only
# ustack stack is the client, run as
#   ustack demo --tap uwalk0 --addr 10.0.1.10/24 --gw 10.0.1.1 --dns 10.0.1.53 --url URL
# The addresses are those of the in-process demo: the Linux side of the TAP answers as the
# gateway 10.0.1.1 and as the DNS server 10.0.1.53, and the web server lives on 10.0.2.80
# behind it (an address of the namespace's loopback), so the client reaches it through its
# gateway.
#
# Needs root (a namespace, a TAP), iproute2, dnsmasq and python3. Nothing is configured in
# the root namespace; the namespace and everything started in it go away at exit.
#
# Usage: sudo examples/linux-walkthrough.sh [demo options: --pcap F --svg F --lang ko ...]
#        USTACK_BIN=path/to/ustack to choose the binary (default build/bin/ustack).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
BIN=${USTACK_BIN:-$here/../build/bin/ustack}
NS=ustack-walk-$$
TAP=uwalk0
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3

die() { echo "linux-walkthrough: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "needs root (a network namespace and a TAP device)"
[ -x "$BIN" ] || die "$BIN not found: build first (make), or set USTACK_BIN"
for t in ip dnsmasq "$PY"; do
	command -v "$t" >/dev/null || die "needs $t"
done
[ -c /dev/net/tun ] || die "needs /dev/net/tun"

tmp=$(mktemp -d /tmp/ustack-walk.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for p in "${pids[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	ip netns del "$NS" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# the namespace and its links
ip netns add "$NS"
ip -n "$NS" link set lo up
ip netns exec "$NS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 || true
ip -n "$NS" tuntap add dev "$TAP" mode tap
ip -n "$NS" addr add 10.0.1.1/24 dev "$TAP"      # the gateway
ip -n "$NS" addr add 10.0.1.53/24 dev "$TAP"     # the DNS server
ip -n "$NS" link set "$TAP" up
ip -n "$NS" addr add 10.0.2.80/32 dev lo         # the web server, behind the gateway

# the servers
mkdir -p "$tmp/www"
cat >"$tmp/www/index.html" <<'HTML'
<!doctype html>
<html><head><meta charset="utf-8"><title>www.example.test</title></head>
<body><h1>Hello from Linux</h1>
<p>This page was served by python3 -m http.server in a network namespace, to a ustack
client on a TAP device, after dnsmasq told the client where www.example.test is.</p>
</body></html>
HTML
ip netns exec "$NS" timeout 300 "$PY" -m http.server 80 --bind 10.0.2.80 --protocol HTTP/1.1 \
	--directory "$tmp/www" >"$tmp/http.log" 2>&1 &
pids+=($!)
ip netns exec "$NS" timeout 300 dnsmasq --no-daemon --no-resolv --no-hosts --conf-file=/dev/null \
	--pid-file= --user=root --listen-address=10.0.1.53 --bind-interfaces \
	--host-record=www.example.test,10.0.2.80 --local-ttl=300 --log-facility="$tmp/dnsmasq.log" &
pids+=($!)

# both listening before the walkthrough starts (bounded wait)
for _ in $(seq 100); do
	if ip netns exec "$NS" ss -ltn 2>/dev/null | grep -q '10.0.2.80:80' &&
	   ip netns exec "$NS" ss -lun 2>/dev/null | grep -q '10.0.1.53:53'; then
		break
	fi
	sleep 0.1
done

ip netns exec "$NS" "$BIN" demo --tap "$TAP" --addr 10.0.1.10/24 --gw 10.0.1.1 --dns 10.0.1.53 \
	--url http://www.example.test/ "$@"
