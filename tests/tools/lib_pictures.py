"""lib_pictures.py - reading the demo's header pictures back and checking every box
against tshark's decoding of the same frames (test_demo_header.sh, test_demo_ipv6.sh).

    frames = read_pcap(pcap)                  # the capture's frames, as bytes
    decoded = read_tshark(tsv, names)         # one dict per frame: tshark field -> value
    pictures = read_pictures(out)             # {"no", "len", "boxes": [(layer, label, value)], "bytes"}
    r = compare(pictures, frames, decoded, MAP, MUST)
    r.bad, r.compared, r.matched, r.layers

MAP maps (layer, box label) to (tshark field or a tuple of fields, the first present is
used; a function turning the box's text into tshark's value). MUST gives, per layer, how
many boxes a picture of that layer must have compared at least."""
import re
import struct


def read_pcap(path):
    data = open(path, "rb").read()
    endian = "<" if struct.unpack("<I", data[:4])[0] in (0xa1b2c3d4, 0xa1b23c4d) else ">"
    pos, frames = 24, []
    while pos + 16 <= len(data):
        _, _, incl, _ = struct.unpack(endian + "IIII", data[pos:pos + 16])
        frames.append(data[pos + 16:pos + 16 + incl])
        pos += 16 + incl
    return frames


def read_tshark(path, names):
    """`tshark -T fields -E separator='|' -E occurrence=f` output, one dict per frame."""
    return [dict(zip(names, l.rstrip("\n").split("|"))) for l in open(path)]


def read_pictures(path):
    """The pictures in the demo's output: per picture its frame number and length, its
    boxes (layer, label, value) and the bytes printed under its rows, by offset."""
    pictures, cur, layer, block = [], None, None, []
    for ln in open(path, encoding="utf-8").read().split("\n"):
        m = re.match(r"\s*Frame #(\d+) as the envelope it is \((\d+) bytes\)", ln)
        if m:
            cur = {"no": int(m.group(1)), "len": int(m.group(2)), "boxes": [], "bytes": {}}
            pictures.append(cur)
            layer, block = None, []
            continue
        if cur is None:
            continue
        m = re.match(r"^   ((?:│ )*)(.*)$", ln)
        if not m:
            continue
        body = m.group(2)
        t = re.match(r"┌─ (\w+)", body)
        if t:
            layer, block = t.group(1), []
            continue
        if body.startswith("└─ Ethernet"):
            cur = None
            continue
        body = body[1:] if body.startswith(" ") else body
        if body.startswith("+-"):
            block = []
        elif body.startswith("|"):
            block.append(body)
        elif body.startswith(":"):
            hm = re.search(r":\s+bytes? (\d+)(?:-(\d+))?$", body)
            assert hm, "no byte range on %r" % body
            first = int(hm.group(1))
            for i, h in enumerate(re.findall(r"\b([0-9a-f]{2})\b", body[:hm.start() + 1])):
                cur["bytes"][first + i] = int(h, 16)
            value_line, label_lines = block[-1], block[:-1]
            bars = [i for i, ch in enumerate(value_line) if ch == "|"]
            for a, b in zip(bars, bars[1:]):
                parts = [l[a + 1:b].strip() for l in label_lines]
                label = "".join(parts) if b - a == 2 else " ".join(p for p in parts if p)
                cur["boxes"].append((layer, label, value_line[a + 1:b].strip()))
            block = []
    return pictures


# how a box's text becomes tshark's value
def num(v):
    m = re.match(r"^(0x[0-9a-f]+|\d+)", v)
    return int(m.group(1), 0) if m else None


def words4(v):
    return num(v) * 4


def paren(v):
    m = re.search(r"\((\d+)\)$", v)
    return int(m.group(1)) if m else num(v)


def norm(field, v):
    """One spelling for both sides: booleans as 0/1, numbers as ints, addresses in lower case."""
    if v in ("True", "False"):
        return 1 if v == "True" else 0
    if field.endswith(("mac", ".dst", ".src", "addr", "address")):
        return v.lower()
    try:
        return int(v, 0)
    except ValueError:
        return v


class Result:
    def __init__(self):
        self.bad, self.compared, self.matched, self.layers = [], 0, set(), set()


def compare(pictures, frames, decoded, MAP, MUST, absent_ok=None, per_picture=None):
    """Each picture is matched to the first unmatched captured frame of its length whose
    first bytes are the bytes it shows; each mapped box compared with tshark's field.
    absent_ok(field, d): True when tshark rightly has no value for that box in that frame.
    per_picture(p, d, r): further checks of one picture against its frame's decoding."""
    r = Result()
    for p in pictures:
        nbytes = max(p["bytes"]) + 1 if p["bytes"] else 0
        if sorted(p["bytes"]) != list(range(nbytes)):
            r.bad.append("picture #%d: the bytes under its rows are not contiguous" % p["no"])
            continue
        head = bytes(p["bytes"][i] for i in range(nbytes))
        idx = [i for i, f in enumerate(frames)
               if len(f) == p["len"] and f[:nbytes] == head and i not in r.matched]
        if not idx:
            r.bad.append("picture #%d: its %d header bytes are no frame of the capture" % (p["no"], nbytes))
            continue
        i = idx[0]
        r.matched.add(i)
        d = decoded[i]
        seen, per_layer = set(), {}
        for layer, label, value in p["boxes"]:
            key = (layer, label)
            r.layers.add(layer)
            if key not in MAP or key in seen:
                continue
            seen.add(key)
            per_layer[layer] = per_layer.get(layer, 0) + 1
            field, conv = MAP[key]
            cands = field if isinstance(field, tuple) else (field,)
            want = next((d.get(f, "") for f in cands if d.get(f, "")), "")
            if want == "" and absent_ok and absent_ok(cands[0], d):
                continue
            if want == "":
                r.bad.append("picture #%d (frame %d): box %s/%s = %r but tshark has no %s" %
                             (p["no"], i + 1, layer, label, value, "/".join(cands)))
                continue
            if norm(cands[0], str(conv(value))) != norm(cands[0], want):
                r.bad.append("picture #%d (frame %d): %s/%s shows %r, tshark's %s is %r" %
                             (p["no"], i + 1, layer, label, value, "/".join(cands), want))
            r.compared += 1
        for layer, n in MUST.items():
            if layer in {l for l, _, _ in p["boxes"]} and per_layer.get(layer, 0) < n:
                r.bad.append("picture #%d: only %d %s boxes compared (want %d)" %
                             (p["no"], per_layer.get(layer, 0), layer, n))
        if per_picture:
            per_picture(p, d, r)
    return r


def mac_of(b):
    return ":".join("%02x" % x for x in b)


def unpictured(frames, decoded, matched, mac, ignore=None):
    """The frames from the first pictured one on that mac sent or received and that have
    no picture (ignore(d): frames that are not part of the journey)."""
    start = min(matched) if matched else 0
    return [i for i, f in enumerate(frames)
            if i >= start and i not in matched and mac in (mac_of(f[0:6]), mac_of(f[6:12]))
            and not (ignore and ignore(decoded[i]))]
