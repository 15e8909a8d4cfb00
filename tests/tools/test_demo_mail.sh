#!/usr/bin/env bash
# test_demo_mail.sh - `ustack demo --scenario mail`: the mailer finds the mail server by
# the MX record of example.test, then the exchanger's A record, and sends a message over
# SMTP. tshark must see in the capture the MX question and its answer (naming the
# exchanger), the A question and answer, and an SMTP exchange in RFC 5321's order:
# 220, EHLO 250, MAIL 250, RCPT 250, DATA 354, the message, 250, QUIT 221 (in that order);
# the narration must cover each step (MX, A, socket, connect, the dialogue, close,
# TIME_WAIT -> CLOSED) and the SVG each phase; --lang ko narrates in Korean; the page
# of the run (--html) says it is the mail journey; bad combinations are usage errors.
set -euo pipefail

BIN=${USTACK_BIN:?USTACK_BIN must name the ustack binary}
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
for tool in tshark "$PY"; do
	command -v "$tool" >/dev/null || { echo "test_demo_mail: $tool is missing (scripts/install-deps.sh installs it)"; exit 1; }
done
work=$(mktemp -d /tmp/ustack-test-demo-mail.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
run() { HOME="$work" timeout 120 "$BIN" demo "$@"; }

rc=0
run --scenario mail --pcap "$work/m.pcap" --svg "$work/m.svg" --html "$work/m.html" \
	>"$work/out.txt" 2>"$work/err.txt" || rc=$?
[ $rc -eq 0 ] || { cat "$work/out.txt" "$work/err.txt"; fail "ustack demo --scenario mail exited $rc"; }

tshark -r "$work/m.pcap" -T fields -E separator='|' -E occurrence=a -E aggregator=';' \
	-e frame.number -e ip.src -e ip.dst -e dns.id -e dns.flags.response -e dns.qry.type \
	-e dns.qry.name -e dns.mx.mail_exchange -e dns.mx.preference -e dns.a \
	-e smtp.req.command -e smtp.req.parameter -e smtp.response.code -e tcp.srcport -e tcp.dstport \
	>"$work/frames.txt" 2>"$work/tshark.err" || { cat "$work/tshark.err"; fail "tshark cannot read the capture"; }

"$PY" - "$work/frames.txt" <<'EOF'
import sys
rows = []
for line in open(sys.argv[1]):
    f = line.rstrip("\n").split("|")
    f += [""] * (15 - len(f))
    rows.append(dict(zip(["no", "src", "dst", "id", "resp", "qtype", "qname", "mx", "pref", "a",
                          "cmd", "param", "code", "sport", "dport"], f)))
bad = []
# DNS, as the client's link saw it (the client's frames: 10.0.1.10 either side)
dns = [r for r in rows if r["id"] and "10.0.1.10" in (r["src"], r["dst"])]
mxq = [r for r in dns if r["resp"] in ("0", "False") and r["qtype"] == "15"]
mxa = [r for r in dns if r["resp"] in ("1", "True") and r["qtype"] == "15"]
aq = [r for r in dns if r["resp"] in ("0", "False") and r["qtype"] == "1"]
aa = [r for r in dns if r["resp"] in ("1", "True") and r["qtype"] == "1"]
if not mxq or mxq[0]["qname"] != "example.test":
    bad.append("no MX question for example.test: %r" % mxq)
if not mxa or mxa[0]["mx"] != "mail.example.test" or mxa[0]["pref"] != "10" or mxa[0]["id"] != mxq[0]["id"]:
    bad.append("no MX answer naming mail.example.test (preference 10, the question's id): %r" % mxa)
if not aq or aq[0]["qname"] != "mail.example.test" or int(aq[0]["no"]) < int(mxa[0]["no"] if mxa else 0):
    bad.append("no A question for the exchanger after the MX answer: %r" % aq)
if not aa or aa[0]["a"] != "10.0.2.25":
    bad.append("no A answer 10.0.2.25 for the exchanger: %r" % aa)
# SMTP as the client saw it: commands it sent, replies it got, in order
seq = []
for r in rows:
    if "10.0.1.10" not in (r["src"], r["dst"]):
        continue
    for c in filter(None, r["cmd"].split(";")):
        seq.append("C:" + c.upper())
    codes = [c for c in r["code"].split(";") if c]
    if codes:
        seq.append("S:" + codes[-1])      # a multi-line reply: its last line's code
# the message itself is DATA's content (no command); the rest must be RFC 5321's order
want = ["S:220", "C:EHLO", "S:250", "C:MAIL", "S:250", "C:RCPT", "S:250", "C:DATA", "S:354",
        "S:250", "C:QUIT", "S:221"]
if seq != want:
    bad.append("the SMTP exchange on the wire is %r, want %r" % (seq, want))
if dns and seq and not bad:
    first_smtp = min(int(r["no"]) for r in rows if r["cmd"] or r["code"])
    if first_smtp < int(aa[0]["no"]):
        bad.append("SMTP began before the exchanger's address was known")
for b in bad:
    print("FAIL:", b)
print("capture: MX id %s -> %s, A -> %s; SMTP %s" % (mxq[0]["id"] if mxq else "?", mxa[0]["mx"] if mxa else "?",
      aa[0]["a"] if aa else "?", " ".join(seq)))
sys.exit(1 if bad else 0)
EOF

for want in '0  DNS: MX example.test' 'MX? example.test' 'MX 10 mail.example.test' 'A? mail.example.test' \
	'①  socket()' '②  connect()' '③  send() / recv(): SMTP dialogue' 'EHLO client.test' \
	'MAIL FROM:<alice@client.test>' 'RCPT TO:<bob@example.test>' 'S: 354' 'S: 250 2.0.0' \
	'S: 221' '④  close()' 'TIME_WAIT' 'CLOSED' 'SMTP 250 after DATA' '221 after QUIT' \
	'[000010]' 'as the envelope it is'; do
	grep -qF -- "$want" "$work/out.txt" || { cat "$work/out.txt"; fail "the mail walkthrough does not show '$want'"; }
done
for want in 'DNS: MX, then A' 'socket()' 'connect()' 'send() / recv(): SMTP' 'close()' 'EHLO' 'QUIT' '221'; do
	grep -qF -- "$want" "$work/m.svg" || fail "the SVG does not show '$want'"
done
grep -q '"scenario":"mail"' "$work/m.html" || fail "the page does not say it is the mail journey"
grep -q 'SMTP' "$work/m.html" || fail "the page has no SMTP step"

run --scenario mail --lang ko >"$work/ko.txt" 2>&1 || { cat "$work/ko.txt"; fail "--scenario mail --lang ko failed"; }
for want in '메일러' '교환기' 'SMTP 대화' '계층별로' '봉투'; do
	grep -qF -- "$want" "$work/ko.txt" || { cat "$work/ko.txt"; fail "the Korean mail walkthrough lacks '$want'"; }
done
for bad in "--scenario mail --url http://x.test/" "--scenario nope"; do
	rc=0
	# shellcheck disable=SC2086
	"$BIN" demo $bad >"$work/usage.txt" 2>&1 || rc=$?
	[ $rc -eq 2 ] || fail "'ustack demo $bad' exited $rc, not 2"
done
echo "test_demo_mail: ok"
