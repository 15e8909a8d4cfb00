#!/usr/bin/env bash
# Install, quietly, the Debian packages the build and the tests need, only those missing.
# (ethtool turns the offloads off on bench_loss.sh's veths; nginx-light is bench_http.sh's
# reference server, run in a namespace with its own config: the Debian service is kept
# from starting, or stopped if the init system started it anyway.
# chromium opens the demo's page in tests/tools/test_demo_html.sh; fonts-nanum draws its
# Korean in the screenshots that test takes. radvd advertises a prefix in test_slaac.sh, run
# in its namespace with its own config: the service never starts, as nginx's. libxdp-dev
# and libbpf-dev: the AF_XDP device, built only when CMake finds them; test_xdp.sh needs it.)
set -euo pipefail
pkgs=(cmake make gcc clang libclang-rt-14-dev libcmocka-dev iproute2 iputils-ping tcpdump tshark
      dnsmasq-base bind9-dnsutils socat netcat-openbsd curl python3 python3-scapy librsvg2-bin libpcap-dev
      liblwip-dev procps hping3 pkg-config chromium fonts-nanum
      apache2-utils gdb ethtool iperf3 bc nginx-light radvd libxdp-dev libbpf-dev)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages (${missing[*]}) and not root; install them or run as root" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer before it asks
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections 2>/dev/null || true
# iperf3 asks whether to run a daemon: no
echo "iperf3 iperf3/start_daemon boolean false" | debconf-set-selections 2>/dev/null || true
apt-get update -qq
# no service may start in the root namespace while packages install (nginx would listen
# on port 80): invoke-rc.d asks policy-rc.d, and 101 means "not allowed"
policy=/usr/sbin/policy-rc.d
own_policy=
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && own_policy=1
fi
rc=0
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || rc=$?
[ -n "$own_policy" ] && rm -f "$policy"
if [[ " ${missing[*]} " == *" nginx-light "* ]] && command -v systemctl >/dev/null &&
   systemctl is-active -q nginx 2>/dev/null; then
  systemctl stop nginx && systemctl disable -q nginx
fi
exit $rc
