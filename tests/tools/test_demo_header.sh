#!/usr/bin/env bash
# test_demo_header.sh - the header picture of `ustack demo` tells the truth: run the demo
# (the web journey, then the mail journey) with --frames all and --pcap; read every picture back (its boxes: labels and values, and
# the bytes printed under each row); find the captured frame those bytes are; ask tshark to
# decode that frame, and compare every box of Ethernet, ARP, IPv4, ICMP, UDP, DNS and TCP
# with tshark's field of the same name. Every frame the client sent or received must have
# been drawn. Without --frames the handshake's three frames are drawn; --lang ko draws them
# with Korean titles; a bad --frames is a usage error.
set -euo pipefail

BIN=${USTACK_BIN:?USTACK_BIN must name the ustack binary}
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
for tool in tshark "$PY"; do
	command -v "$tool" >/dev/null || { echo "test_demo_header: $tool is missing (scripts/install-deps.sh installs it)"; exit 1; }
done

work=$(mktemp -d /tmp/ustack-test-demo-header.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

run() { HOME="$work" timeout 120 "$BIN" demo "$@"; }


fields=(frame.number eth.dst eth.src eth.type
	arp.hw.type arp.proto.type arp.hw.size arp.proto.size arp.opcode arp.src.hw_mac
	arp.src.proto_ipv4 arp.dst.hw_mac arp.dst.proto_ipv4
	ip.version ip.hdr_len ip.dsfield.dscp ip.dsfield.ecn ip.len ip.id ip.flags.rb ip.flags.df
	ip.flags.mf ip.frag_offset ip.ttl ip.proto ip.checksum ip.src ip.dst
	icmp.type icmp.code icmp.checksum icmp.ident icmp.seq
	udp.srcport udp.dstport udp.length udp.checksum
	dns.id dns.flags.response dns.flags.opcode dns.flags.authoritative dns.flags.truncated
	dns.flags.recdesired dns.flags.recavail dns.flags.z dns.flags.authenticated
	dns.flags.checkdisable dns.flags.rcode dns.count.queries dns.count.answers dns.count.auth_rr
	dns.count.add_rr dns.qry.name dns.qry.type dns.qry.class dns.resp.name dns.resp.type
	dns.resp.class dns.resp.ttl dns.resp.len dns.a dns.mx.preference dns.mx.mail_exchange
	tcp.srcport tcp.dstport tcp.seq_raw tcp.ack_raw tcp.hdr_len tcp.flags.res tcp.flags.ae
	tcp.flags.cwr tcp.flags.ece tcp.flags.urg tcp.flags.ack tcp.flags.push tcp.flags.reset
	tcp.flags.syn tcp.flags.fin tcp.window_size_value tcp.checksum tcp.urgent_pointer
	tcp.options.mss_val tcp.options.wscale.shift tcp.options.timestamp.tsval
	tcp.options.timestamp.tsecr)
targs=()
for f in "${fields[@]}"; do targs+=(-e "$f"); done
for scenario in web mail; do
rc=0
run --scenario $scenario --frames all --pcap "$work/d.pcap" >"$work/out.txt" 2>"$work/err.txt" || rc=$?
[ $rc -eq 0 ] || { cat "$work/out.txt" "$work/err.txt"; fail "ustack demo --scenario $scenario --frames all exited $rc"; }
tshark -r "$work/d.pcap" -T fields -E separator='|' -E occurrence=f "${targs[@]}" \
	>"$work/tshark.txt" 2>"$work/tshark.err" || { cat "$work/tshark.err"; fail "tshark cannot read the capture"; }

PYTHONPATH="$(cd "$(dirname "$0")" && pwd)" "$PY" - "$work/out.txt" "$work/d.pcap" "$work/tshark.txt" "${fields[@]}" <<'EOF'
import sys
from lib_pictures import read_pcap, read_tshark, read_pictures, compare, unpictured, num, words4, paren, norm
out_path, pcap_path, ts_path, names = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
frames = read_pcap(pcap_path)
decoded = read_tshark(ts_path, names)
assert len(decoded) == len(frames), "tshark saw %d frames, the pcap holds %d" % (len(decoded), len(frames))
pictures = read_pictures(out_path)
if not pictures:
    print("FAIL: no header picture in the output")
    sys.exit(1)

# (layer, label) -> (tshark field, how the picture's value becomes tshark's)
MAP = {
    ("Ethernet", "Destination MAC"): ("eth.dst", str), ("Ethernet", "Source MAC"): ("eth.src", str),
    ("Ethernet", "EtherType"): ("eth.type", num),
    ("ARP", "Hardware Type"): ("arp.hw.type", num), ("ARP", "Protocol Type"): ("arp.proto.type", num),
    ("ARP", "HLEN"): ("arp.hw.size", num), ("ARP", "PLEN"): ("arp.proto.size", num),
    ("ARP", "Operation"): ("arp.opcode", num), ("ARP", "Sender MAC"): ("arp.src.hw_mac", str),
    ("ARP", "Sender IP"): ("arp.src.proto_ipv4", str), ("ARP", "Target MAC"): ("arp.dst.hw_mac", str),
    ("ARP", "Target IP"): ("arp.dst.proto_ipv4", str),
    ("IPv4", "Version"): ("ip.version", num), ("IPv4", "IHL"): ("ip.hdr_len", words4),
    ("IPv4", "DSCP"): ("ip.dsfield.dscp", num), ("IPv4", "ECN"): ("ip.dsfield.ecn", num),
    ("IPv4", "Total Length"): ("ip.len", num), ("IPv4", "Identification"): ("ip.id", num),
    ("IPv4", "0"): ("ip.flags.rb", num), ("IPv4", "DF"): ("ip.flags.df", num),
    ("IPv4", "MF"): ("ip.flags.mf", num), ("IPv4", "Fragment Offset"): ("ip.frag_offset", num),
    ("IPv4", "Time to Live"): ("ip.ttl", num), ("IPv4", "Protocol"): ("ip.proto", num),
    ("IPv4", "Header Checksum"): ("ip.checksum", num), ("IPv4", "Source Address"): ("ip.src", str),
    ("IPv4", "Destination Address"): ("ip.dst", str),
    ("ICMP", "Type"): ("icmp.type", num), ("ICMP", "Code"): ("icmp.code", num),
    ("ICMP", "Checksum"): ("icmp.checksum", num), ("ICMP", "Identifier"): ("icmp.ident", num),
    ("ICMP", "Sequence Number"): ("icmp.seq", num),
    ("UDP", "Source Port"): ("udp.srcport", num), ("UDP", "Destination Port"): ("udp.dstport", num),
    ("UDP", "Length"): ("udp.length", num), ("UDP", "Checksum"): ("udp.checksum", num),
    ("DNS", "ID"): ("dns.id", num), ("DNS", "QR"): ("dns.flags.response", num),
    ("DNS", "Opcode"): ("dns.flags.opcode", num), ("DNS", "AA"): ("dns.flags.authoritative", num),
    ("DNS", "TC"): ("dns.flags.truncated", num), ("DNS", "RD"): ("dns.flags.recdesired", num),
    ("DNS", "RA"): ("dns.flags.recavail", num), ("DNS", "Z"): ("dns.flags.z", num),
    ("DNS", "AD"): ("dns.flags.authenticated", num), ("DNS", "CD"): ("dns.flags.checkdisable", num),
    ("DNS", "RCODE"): ("dns.flags.rcode", num), ("DNS", "QDCOUNT"): ("dns.count.queries", num),
    ("DNS", "ANCOUNT"): ("dns.count.answers", num), ("DNS", "NSCOUNT"): ("dns.count.auth_rr", num),
    ("DNS", "ARCOUNT"): ("dns.count.add_rr", num), ("DNS", "QNAME"): ("dns.qry.name", str),
    ("DNS", "QTYPE"): ("dns.qry.type", paren), ("DNS", "QCLASS"): ("dns.qry.class", num),
    ("DNS", "NAME"): ("dns.resp.name", str), ("DNS", "TYPE"): ("dns.resp.type", paren),
    ("DNS", "CLASS"): ("dns.resp.class", num), ("DNS", "TTL"): ("dns.resp.ttl", num),
    ("DNS", "RDLENGTH"): ("dns.resp.len", num), ("DNS", "ADDRESS"): ("dns.a", str),
    ("DNS", "PREFERENCE"): ("dns.mx.preference", num), ("DNS", "EXCHANGE"): ("dns.mx.mail_exchange", str),
    ("TCP", "Source Port"): ("tcp.srcport", num), ("TCP", "Destination Port"): ("tcp.dstport", num),
    ("TCP", "Sequence Number"): ("tcp.seq_raw", num), ("TCP", "Acknowledgment Number"): ("tcp.ack_raw", num),
    ("TCP", "DOffset"): ("tcp.hdr_len", words4),
    ("TCP", "CWR"): ("tcp.flags.cwr", num), ("TCP", "ECE"): ("tcp.flags.ece", num),
    ("TCP", "URG"): ("tcp.flags.urg", num), ("TCP", "ACK"): ("tcp.flags.ack", num),
    ("TCP", "PSH"): ("tcp.flags.push", num), ("TCP", "RST"): ("tcp.flags.reset", num),
    ("TCP", "SYN"): ("tcp.flags.syn", num), ("TCP", "FIN"): ("tcp.flags.fin", num),
    ("TCP", "Window"): ("tcp.window_size_value", num), ("TCP", "Checksum"): ("tcp.checksum", num),
    ("TCP", "Urgent Pointer"): ("tcp.urgent_pointer", num), ("TCP", "MSS"): ("tcp.options.mss_val", num),
    ("TCP", "Shift"): ("tcp.options.wscale.shift", num),
    ("TCP", "TS value"): ("tcp.options.timestamp.tsval", num),
    ("TCP", "TS echo reply"): ("tcp.options.timestamp.tsecr", num),
}
# always present in the picture of a frame of that layer
MUST = {"Ethernet": 3, "ARP": 9, "IPv4": 14, "TCP": 17, "UDP": 4, "DNS": 15}

QUERY_ONLY_ABSENT = {"dns.flags.authoritative", "dns.flags.recavail", "dns.flags.authenticated",
                     "dns.flags.rcode"}

def query_only(field, d):
    """tshark shows the answer-only flags of responses only"""
    return field in QUERY_ONLY_ABSENT and d.get("dns.flags.response") in ("0", "False")

def flag_bits(p, d, r):
    """the TCP flags, as bits: tshark's tcp.flags must be the bits the boxes show"""
    bits = "".join(v for l, lab, v in p["boxes"] if l == "TCP" and lab in ("CWR", "ECE", "URG", "ACK", "PSH", "RST", "SYN", "FIN"))
    if bits and d.get("tcp.flags.syn"):
        tf = sum(int(norm("x", d[k])) << s for k, s in (("tcp.flags.cwr", 7), ("tcp.flags.ece", 6),
                 ("tcp.flags.urg", 5), ("tcp.flags.ack", 4), ("tcp.flags.push", 3),
                 ("tcp.flags.reset", 2), ("tcp.flags.syn", 1), ("tcp.flags.fin", 0)))
        if int(bits, 2) != tf:
            r.bad.append("picture #%d: flag bits %s, tshark 0x%02x" % (p["no"], bits, tf))

r = compare(pictures, frames, decoded, MAP, MUST, absent_ok=query_only, per_picture=flag_bits)
# every frame the client sent or received from the walkthrough's start has its picture
# (its announcement comes before)
for i in unpictured(frames, decoded, r.matched, "02:00:00:00:01:0a"):
    r.bad.append("frame %d of the capture (the client's) has no picture" % (i + 1))
for b in r.bad[:40]:
    print("FAIL:", b)
print("pictures: %d, %d boxes compared with tshark, %d of %d captured frames matched" %
      (len(pictures), r.compared, len(r.matched), len(frames)))
sys.exit(1 if r.bad else 0)
EOF
echo "($scenario)"
done

# the default: the handshake's three frames, in English and in Korean
run >"$work/en.txt" 2>&1 || { cat "$work/en.txt"; fail "ustack demo failed"; }
n=$(grep -c 'as the envelope it is' "$work/en.txt" || true)
[ "$n" -eq 3 ] || fail "the default walkthrough draws $n header pictures, not 3 (SYN, SYN/ACK, ACK)"
for want in 'TCP header (RFC 9293 3.1)' 'IPv4 header (RFC 791 3.1)' 'Ethernet header' '|C|E|U|A|P|R|S|F|'; do
	grep -qF -- "$want" "$work/en.txt" || fail "the header picture lacks '$want'"
done
run --lang ko >"$work/ko.txt" 2>&1 || { cat "$work/ko.txt"; fail "ustack demo --lang ko failed"; }
for want in '봉투 모양' 'TCP 헤더 (RFC 9293 3.1)' '출발지 포트' '순서 번호'; do
	grep -qF -- "$want" "$work/ko.txt" || fail "the Korean header picture lacks '$want'"
done
rc=0
"$BIN" demo --frames 3-x >"$work/usage.txt" 2>&1 || rc=$?
[ $rc -eq 2 ] || fail "--frames 3-x exited $rc, not 2"
echo "test_demo_header: ok"
