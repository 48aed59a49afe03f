#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Writes the hand-made frames the cross-layer tests read, next to this script:

  scapy_valid.pcap      well-formed frames covering every option and header
                        variant Tandem parses
  scapy_valid.txt       one line per frame: `exact` when Tandem's emitter must
                        reproduce the frame byte for byte (Linux option layout, no
                        IPv4 options, checksums present), `reparse` when only
                        parse(emit(parse(x))) == parse(x) can hold; then a note
  scapy_malformed.pcap  frames with exactly one defect each
  scapy_malformed.txt   one line per frame: `<layer> <error>` that the parsers
                        must report, then a note

Linux's own frames come from capture_linux_frames.sh; these are the cases Linux
never sends. Every defect is planted alone (all other fields, lengths and
checksums correct), so the expected error does not depend on the order in which
a parser checks things. Run with the system Python, which has scapy:

  /usr/bin/python3 tests/data/make_scapy_frames.py
"""

import os
import struct
import sys

from scapy.all import ARP, ICMP, IP, TCP, UDP, Ether, IPOption_NOP, IPOption_RR, Padding, Raw
from scapy.all import IPOption_Router_Alert, wrpcap

HERE = os.path.dirname(os.path.abspath(__file__))

MAC_A = "02:00:00:00:00:0a"
MAC_B = "02:00:00:00:00:0b"
IP_A = "192.0.2.10"
IP_B = "192.0.2.20"

# Fixed capture timestamps keep the pcaps byte-identical from run to run.
EPOCH = 1_700_000_000


def internet_checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def eth(dst=MAC_B, src=MAC_A):
    return Ether(dst=dst, src=src)


def ipv4(**kw):
    fields = dict(src=IP_A, dst=IP_B, id=0x1234, ttl=64, flags="DF")
    fields.update(kw)
    return IP(**fields)


def tcp(**kw):
    fields = dict(sport=40000, dport=5001, seq=0x11223344, ack=0x55667788, flags="A", window=502)
    fields.update(kw)
    return TCP(**fields)


def tcp_raw_options(options: bytes, payload: bytes = b"", **kw):
    """TCP with option bytes scapy would refuse to build; the checksum stays right
    because scapy sums header and Raw together."""
    assert len(options) % 4 == 0
    return tcp(dataofs=5 + len(options) // 4, options=[], **kw) / Raw(options + payload)


def payload(n: int, seed: int = 0) -> bytes:
    return bytes((seed + 7 * i) & 0xFF for i in range(n))


def sack(*edges):
    return ("SAck", tuple(edges))


def blocks(n):
    base = 0x55667788
    edges = []
    for i in range(n):
        edges += [base + 3000 * (i + 1), base + 3000 * (i + 1) + 1448]
    return sack(*edges)


# Linux's layouts (tcp_options_write): MSS; SACK-permitted + timestamps, NOP NOP
# timestamps or NOP NOP SACK-permitted; NOP window scale; NOP NOP SACK blocks.
NOP = ("NOP", None)
EOL = ("EOL", None)


def ts(val=0x01020304, ecr=0x0A0B0C0D):
    return ("Timestamp", (val, ecr))


def valid_frames():
    """(frame, 'exact' | 'reparse', note)"""
    f = []

    def add(frame, mode, note):
        f.append((frame, mode, note))

    # ARP, unpadded (as captured on the sending host) and padded to the 60-byte
    # minimum the way a NIC pads it.
    add(eth(dst="ff:ff:ff:ff:ff:ff") / ARP(op=1, hwsrc=MAC_A, psrc=IP_A, hwdst="00:00:00:00:00:00",
                                          pdst=IP_B), "exact", "arp request")
    add(eth(dst=MAC_A, src=MAC_B) / ARP(op=2, hwsrc=MAC_B, psrc=IP_B, hwdst=MAC_A, pdst=IP_A)
        / Padding(b"\0" * 18), "exact", "arp reply padded to 60 bytes")

    # ICMP: echo with odd and even data, an empty echo, an error quoting a datagram.
    add(eth() / ipv4(id=1) / ICMP(type=8, id=0x4242, seq=1) / Raw(payload(56)), "exact",
        "icmp echo request, 56 bytes of data")
    add(eth(MAC_A, MAC_B) / ipv4(src=IP_B, dst=IP_A, id=2, flags=0) / ICMP(type=0, id=0x4242, seq=1)
        / Raw(payload(37, 3)), "exact", "icmp echo reply, odd data length")
    add(eth() / ipv4(id=3) / ICMP(type=8, id=7, seq=0xFFFF), "exact", "icmp echo without data")
    quoted = bytes(ipv4(src=IP_B, dst=IP_A, id=99) / UDP(sport=1234, dport=9) / Raw(b"xyz"))[:28]
    add(eth(MAC_A, MAC_B) / ipv4(src=IP_B, dst=IP_A, id=4, tos=0xC0, flags=0)
        / ICMP(type=3, code=3) / Raw(quoted), "exact", "icmp port unreachable quoting udp")

    # UDP: odd lengths, empty, a tiny one in a padded frame, a zero (absent)
    # checksum that Tandem's emitter would fill in.
    add(eth() / ipv4(id=5, flags=0) / UDP(sport=5353, dport=5003) / Raw(payload(1)), "exact",
        "udp 1-byte payload, frame not padded")
    add(eth() / ipv4(id=6, flags=0) / UDP(sport=5353, dport=5003) / Raw(payload(1))
        / Padding(b"\xaa" * 17), "exact", "udp 1-byte payload, junk padding past total length")
    add(eth() / ipv4(id=7, flags=0) / UDP(sport=5353, dport=5003), "exact", "udp empty payload")
    add(eth() / ipv4(id=8, flags=0) / UDP(sport=5353, dport=5003) / Raw(payload(1001, 9)), "exact",
        "udp 1001-byte payload")
    add(eth() / ipv4(id=9, flags=0) / UDP(sport=5353, dport=5003, chksum=0) / Raw(payload(11)),
        "reparse", "udp without checksum (field 0)")
    add(eth() / ipv4(id=10, flags=0, tos=0x2E) / UDP(sport=0xFFFF, dport=1) / Raw(payload(1472, 5)),
        "exact", "udp filling a 1500-byte MTU, dscp set")

    # IPv4 options: skipped by the parser, never emitted by Tandem.
    add(eth() / ipv4(id=11, options=[IPOption_RR(routers=["198.51.100.1"]), IPOption_NOP()])
        / UDP(sport=1, dport=2) / Raw(payload(13)), "reparse", "ipv4 record route + nop")
    add(eth() / ipv4(id=12, options=[IPOption_Router_Alert()]) / tcp(flags="S", options=[("MSS", 1460)]),
        "reparse", "ipv4 router alert, tcp syn")

    # TCP in Linux's layouts: Tandem must emit these byte for byte.
    add(eth() / ipv4(id=20) / tcp(flags="S", ack=0, window=64240,
                                  options=[("MSS", 1460), ("SAckOK", b""), ts(val=1, ecr=0), NOP,
                                           ("WScale", 7)]),
        "exact", "syn: mss, sackperm+ts, nop ws")
    add(eth(MAC_A, MAC_B) / ipv4(src=IP_B, dst=IP_A, id=0) / tcp(
        sport=5001, dport=40000, flags="SA", window=65160,
        options=[("MSS", 1460), ("SAckOK", b""), ts(), NOP, ("WScale", 14)]),
        "exact", "syn-ack: mss, sackperm+ts, nop ws 14")
    add(eth() / ipv4(id=21) / tcp(flags="S", ack=0,
                                  options=[("MSS", 8960), NOP, NOP, ("SAckOK", b""), NOP, ("WScale", 0)]),
        "exact", "syn without timestamps: mss, nop nop sackperm, nop ws")
    add(eth() / ipv4(id=22) / tcp(flags="S", ack=0, options=[("MSS", 1460), NOP, NOP, ts(), NOP,
                                                              ("WScale", 2)]),
        "exact", "syn without sack: mss, nop nop ts, nop ws")
    add(eth() / ipv4(id=23) / tcp(flags="S", ack=0, options=[("MSS", 536)]), "exact", "syn, mss only")
    add(eth() / ipv4(id=24) / tcp(flags="S", ack=0, options=[]), "exact", "syn without options")
    add(eth() / ipv4(id=25) / tcp(options=[NOP, NOP, ts()]), "exact", "ack: nop nop ts")
    for n in range(1, 4):
        add(eth() / ipv4(id=30 + n) / tcp(options=[NOP, NOP, ts(), NOP, NOP, blocks(n)]), "exact",
            f"ack: nop nop ts, nop nop sack x{n}")
    for n in range(1, 5):
        add(eth() / ipv4(id=40 + n) / tcp(options=[NOP, NOP, blocks(n)]), "exact",
            f"ack: nop nop sack x{n}, no timestamps")
    for n in (1, 2, 3, 499, 1448):
        add(eth() / ipv4(id=50 + n % 50) / tcp(flags="PA", options=[NOP, NOP, ts()]) / Raw(payload(n, n)),
            "exact", f"data: {n}-byte payload with timestamps")
    add(eth() / ipv4(id=60) / tcp(flags="FPAU", urgptr=3, window=0) / Raw(payload(5)), "exact",
        "fin+psh+ack+urg, urgent pointer, zero window, no options")
    add(eth() / ipv4(id=61) / tcp(flags="RA", window=0, options=[]), "exact", "rst+ack")
    add(eth() / ipv4(id=62) / tcp(flags="SEC", ack=0, options=[("MSS", 1460)]), "exact",
        "syn with ece+cwr")

    # TCP in other stacks' layouts: the same options, parsed into the same values.
    add(eth() / ipv4(id=70) / tcp(flags="S", ack=0, options=[("MSS", 1460), NOP, ("WScale", 8), NOP, NOP,
                                                              ("SAckOK", b"")]),
        "reparse", "syn, windows layout: mss, nop ws, nop nop sackperm")
    add(eth() / ipv4(id=71) / tcp(flags="S", ack=0, options=[("MSS", 1460), NOP, ("WScale", 6), NOP, NOP,
                                                              ts(), ("SAckOK", b""), EOL]),
        "reparse", "syn, bsd layout: mss nop ws nop nop ts sackperm eol, eol padding")
    add(eth() / ipv4(id=72) / tcp_raw_options(bytes([2, 4, 0x05, 0xB4, 0, 0xDE, 0xAD, 0xBE]), flags="S", ack=0),
        "reparse", "syn: mss then eol; bytes after eol are ignored")
    add(eth() / ipv4(id=73) / tcp(flags="S", ack=0, options=[(254, b"\xf9\x89\x01\x02"), ("MSS", 1400),
                                                              (253, b""), ("SAckOK", b"")]),
        "reparse", "syn: unknown kinds 254 (len 6) and 253 (len 2) skipped")
    add(eth() / ipv4(id=74) / tcp(options=[blocks(4), NOP, NOP]), "reparse",
        "ack: sack x4 first, nop padding after")
    add(eth() / ipv4(id=75) / tcp(options=[ts(), blocks(3)]) / Raw(payload(3)), "reparse",
        "ack: ts then sack x3 without nops")
    add(eth() / ipv4(id=76) / tcp(options=[NOP, NOP, NOP, NOP, NOP, NOP, NOP, NOP]), "reparse",
        "ack: nothing but nops")
    add(eth() / ipv4(id=77) / tcp(flags="S", ack=0, options=[("WScale", 3), ("MSS", 1220), EOL]), "reparse",
        "syn: ws before mss, eol padding")
    return f


def malformed_frames():
    """(frame, layer, error, note)"""
    f = []

    def add(frame, layer, error, note):
        f.append((frame, layer, error, note))

    good_ip = eth() / ipv4(id=100, flags=0) / UDP(sport=1, dport=2) / Raw(payload(8))

    # Ethernet.
    add(Raw(bytes(good_ip)[:13]), "ethernet", "truncated", "13 bytes, shorter than the header")

    # IPv4 view: shape of the header and its lengths.
    raw = bytearray(bytes(good_ip))
    add(Raw(bytes(raw[:14 + 19])), "ipv4", "truncated", "19 bytes of ipv4 header")
    add(eth() / ipv4(id=101, ihl=4) / Raw(payload(8)), "ipv4", "malformed", "ihl 4")
    add(eth() / ipv4(id=102, version=6) / UDP(sport=1, dport=2), "ipv4", "malformed",
        "version 6 under ethertype 0x0800")
    add(eth() / ipv4(id=103, len=16) / UDP(sport=1, dport=2), "ipv4", "malformed",
        "total length 16 < header 20")
    add(eth() / ipv4(id=104, len=200) / UDP(sport=1, dport=2) / Raw(payload(4)), "ipv4", "truncated",
        "total length 200 past a 32-byte packet")
    ihl8 = eth() / ipv4(id=105, options=[IPOption_RR(routers=["198.51.100.1", "198.51.100.2"])])
    add(Raw(bytes(ihl8)[:14 + 28]), "ipv4", "truncated", "ihl 8 (32 bytes) but 28 bytes of header")

    # IPv4 repr: fragments and checksum.
    add(eth() / ipv4(id=106, flags="MF") / UDP(sport=1, dport=2) / Raw(payload(8)), "ipv4", "unsupported",
        "first fragment (more-fragments set)")
    add(eth() / ipv4(id=107, flags=0, frag=185, proto=17) / Raw(payload(16)), "ipv4", "unsupported",
        "last fragment (offset 1480)")
    bad = eth() / ipv4(id=108) / UDP(sport=1, dport=2) / Raw(payload(8))
    bad[IP].chksum = IP(bytes(bad[IP])).chksum ^ 0x0101
    add(bad, "ipv4", "bad_checksum", "header checksum off by 0x0101")

    # TCP view.
    add(eth() / ipv4(id=110, proto=6) / Raw(bytes(tcp())[:19]), "tcp", "truncated", "19 bytes of tcp header")
    add(eth() / ipv4(id=111) / tcp(dataofs=4), "tcp", "malformed", "data offset 4")
    add(eth() / ipv4(id=112) / tcp(dataofs=15) / Raw(payload(4)), "tcp", "truncated",
        "data offset 15 (60 bytes) past a 24-byte segment")

    # TCP options: each with a correct checksum so only the option is wrong.
    def opt(note, options, layer="tcp", error="malformed"):
        add(eth() / ipv4(id=120 + len(f)) / tcp_raw_options(options, flags="S", ack=0), layer, error, note)

    opt("option length 0 (unknown kind 99)", bytes([99, 0, 1, 1]))
    opt("option length 1 (unknown kind 99)", bytes([99, 1, 1, 1]))
    opt("mss with length 3", bytes([2, 3, 5, 1]))
    opt("mss with length 0", bytes([1, 1, 2, 0]))
    opt("window scale with length 4", bytes([3, 4, 7, 0]))
    opt("sack-permitted with length 3", bytes([4, 3, 0, 1]))
    opt("timestamps with length 9", bytes([8, 9]) + bytes(7) + bytes([0, 0, 0]))
    opt("sack with length 11", bytes([1, 5, 11]) + bytes(9) + bytes([1, 1, 1, 0]))
    opt("unknown option running past the header", bytes([1, 1, 99, 6]))
    opt("mss cut off by the end of the header", bytes([1, 1, 1, 2]))
    opt("timestamps running past the header", bytes([1, 1, 8, 10, 0, 0, 0, 1]))

    frame = bytearray(bytes(eth() / ipv4(id=140) / tcp(flags="PA", options=[NOP, NOP, ts()]) / Raw(payload(11))))
    frame[14 + 20 + 16] ^= 0x01
    frame[14 + 20 + 17] ^= 0x01
    add(Raw(bytes(frame)), "tcp", "bad_checksum", "tcp checksum off by 0x0101")

    # UDP.
    add(eth() / ipv4(id=150, flags=0) / UDP(sport=1, dport=2, len=7) / Raw(payload(8)), "udp", "malformed",
        "length field 7")
    add(eth() / ipv4(id=151, flags=0, proto=17) / Raw(bytes(UDP(sport=1, dport=2))[:5]), "udp", "truncated",
        "5 bytes of udp header")
    add(eth() / ipv4(id=152, flags=0) / UDP(sport=1, dport=2, len=40, chksum=0) / Raw(payload(8)), "udp",
        "truncated", "length field 40 past a 16-byte datagram")
    frame = bytearray(bytes(eth() / ipv4(id=153, flags=0) / UDP(sport=1, dport=2) / Raw(payload(9))))
    frame[14 + 20 + 6] ^= 0x01
    frame[14 + 20 + 7] ^= 0x01
    add(Raw(bytes(frame)), "udp", "bad_checksum", "udp checksum off by 0x0101")

    # ICMP.
    add(eth() / ipv4(id=160, proto=1) / Raw(bytes([8, 0, 0xF7, 0xFF])), "icmp", "truncated",
        "4 bytes of icmp header")
    frame = bytearray(bytes(eth() / ipv4(id=161) / ICMP(type=8, id=1, seq=1) / Raw(payload(7))))
    frame[14 + 20 + 2] ^= 0x01
    frame[14 + 20 + 3] ^= 0x01
    add(Raw(bytes(frame)), "icmp", "bad_checksum", "echo checksum off by 0x0101")

    # ARP.
    arp = bytes(eth(dst="ff:ff:ff:ff:ff:ff") / ARP(op=1, hwsrc=MAC_A, psrc=IP_A, pdst=IP_B))

    def patched(offset, value):
        out = bytearray(arp)
        out[14 + offset:14 + offset + 2] = struct.pack("!H", value)
        return Raw(bytes(out))

    add(patched(0, 6), "arp", "unsupported", "hardware type 6 (ieee 802)")
    add(patched(2, 0x86DD), "arp", "unsupported", "protocol type ipv6 (with ipv4's 4-byte length)")
    add(patched(6, 3), "arp", "unsupported", "operation 3 (rarp request)")
    add(Raw(arp[:14 + 7]), "arp", "truncated", "7 bytes of arp header")
    add(Raw(arp[:14 + 20]), "arp", "truncated", "addresses cut off at 20 of 28 bytes")
    return f


def check_valid(frame: bytes):
    """Guards the premise of scapy_valid.pcap: every checksum present verifies."""
    e = Ether(frame)
    if IP in e:
        ip = bytes(e[IP])
        ihl = (ip[0] & 0xF) * 4
        total = struct.unpack("!H", ip[2:4])[0]
        assert internet_checksum(ip[:ihl]) == 0
        l4 = ip[ihl:total]
        pseudo = bytes(ip[12:20]) + bytes([0, ip[9]]) + struct.pack("!H", len(l4))
        if ip[9] == 1:
            assert internet_checksum(l4) == 0
        elif ip[9] == 6 or (ip[9] == 17 and l4[6:8] != b"\0\0"):
            assert internet_checksum(pseudo + l4) == 0


def write(name, frames):
    # Written as raw bytes: dissecting and rebuilding a malformed frame could
    # "repair" the very field it is about.
    packets = []
    for i, frame in enumerate(frames):
        packet = Raw(bytes(frame))
        packet.time = EPOCH + i / 1000
        packets.append(packet)
    wrpcap(os.path.join(HERE, name), packets, linktype=1)


def main():
    valid = valid_frames()
    for frame, _, note in valid:
        try:
            check_valid(bytes(frame))
        except AssertionError:
            sys.exit(f"checksum does not verify in valid frame: {note}")
    malformed = malformed_frames()

    write("scapy_valid.pcap", [f for f, _, _ in valid])
    write("scapy_malformed.pcap", [f for f, _, _, _ in malformed])
    with open(os.path.join(HERE, "scapy_valid.txt"), "w") as out:
        for _, mode, note in valid:
            out.write(f"{mode} {note}\n")
    with open(os.path.join(HERE, "scapy_malformed.txt"), "w") as out:
        for _, layer, error, note in malformed:
            out.write(f"{layer} {error} {note}\n")
    print(f"{len(valid)} valid frames, {len(malformed)} malformed frames")


if __name__ == "__main__":
    main()
