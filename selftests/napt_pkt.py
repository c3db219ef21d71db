#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Traffic for napt's data-path selftests (lib_traffic.sh runs it).

Run it as /usr/bin/python3 (Debian's, which has scapy) inside a network
namespace. Each subcommand does one job and says what it saw on stdout;
its exit status is the verdict: 0 as expected, 1 not (the first line of
stderr or stdout says why), 2 bad usage, 3 (tcp-client) connection
refused.

Servers and clients (plain sockets, no scapy: it costs ~15 s to import
under TCG):
  udp-server ADDR PORT [--log F] [--no-echo]
	log "udp PEER_ADDR PEER_PORT LEN SHA256 TAG" per datagram; echo it
  tcp-server ADDR PORT [--log F] [--no-echo]
	log "tcp-open PEER_ADDR PEER_PORT", then "tcp-done PEER_ADDR
	PEER_PORT LEN SHA256" at EOF (or "tcp-error ... WHY"); echo the data
  udp-client --bind A[:P] --to A:P [--count N] [--size N] [--interval S]
	     [--timeout S] [--no-wait] [--duration S] [--until F] [--tag T]
	send N datagrams "TAG/SEQ/..." (or for S seconds, or until file F
	exists) and wait for each to come back intact from --to; --no-wait
	only sends (a flood with --duration)
  udp-refused --bind A[:P] --to A:P [--timeout S]
	a connected socket sends once; passes when the kernel reports
	"connection refused" (an ICMP port unreachable came back)
  tcp-client --bind A[:P] --to A:P [--bytes N] [--timeout S]
	send N random bytes while reading the echo; pass when the echo is
	the same bytes; prints "sent N SHA" and "recv N SHA"
  tcp-session --bind A:P --to A:P --close fin|rst|hold [--until FILE]
	connect and exchange one message; then close with FIN, abort with
	RST, or hold the connection idle until FILE exists and exchange
	another message on it
  udp-recv --bind A:P --hello A:P [--min-size N] [--timeout S]
	send a hello datagram, then wait for one of at least N bytes;
	prints "recv LEN SHA256 from ADDR:PORT"
  icmp-error --to ADDR --type T --code C --inner-proto udp|tcp
	     --inner-src A:P|@FILE --inner-dst A:P [--count N] [--interval S]
	send ICMP errors (raw socket) about a made-up packet; @FILE: start
	now, send once FILE holds the inner source A:P

Crafted packets (scapy):
  frag-send --src A:P --dst A:P [--dport-file F] [--size N]
	    [--fragsize N] [--seed S]
	a UDP datagram cut with scapy's fragment() and sent last fragment
	first; prints "sent LEN SHA256 in N fragments"
  icmp-probes --iface IF --src ADDR --dst ADDR --hop ADDR [--go-file F]
	traceroute-style probes (UDP to a closed port; UDP, TCP SYN and ICMP
	echo with TTL 2, which dies at --hop) and a field-by-field check of
	the ICMP errors that come back: outer destination, embedded source
	X:x, every checksum. --go-file: import scapy and start sniffing now,
	send when the file has something in it; failures are "FAIL ..."
	lines
"""

import argparse
import hashlib
import os
import socket
import struct
import sys
import threading
import time


def die(msg, rc=1):
    print(msg, flush=True)
    sys.exit(rc)


def endpoint(text, need_port=False):
    """'A:P', '[v6]:P', 'A' or 'v6' -> (host, port)."""
    port = None
    if text.startswith('['):
        host, _, rest = text[1:].partition(']')
        if rest.startswith(':'):
            port = rest[1:]
    elif text.count(':') == 1:
        host, port = text.split(':')
    else:
        host = text
    if need_port and not port:
        die('%s: a port is needed' % text, 2)
    return host, int(port) if port else 0


def family(host):
    return socket.AF_INET6 if ':' in host else socket.AF_INET


def sha(data):
    return hashlib.sha256(data).hexdigest()


def tag_of(data):
    """The printable head of a datagram, for logs."""
    head = data[:40].split(b'/x')[0]
    text = ''.join(chr(c) if 33 <= c < 127 else '.' for c in head)
    return text or '-'


class Log:
    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()

    def __call__(self, line):
        with self.lock:
            if self.path:
                with open(self.path, 'a') as f:
                    f.write(line + '\n')
            else:
                print(line, flush=True)


def bound_socket(kind, bind):
    host, port = endpoint(bind)
    s = socket.socket(family(host), kind)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((host, port))
    return s


def pattern(seed, size):
    """size deterministic bytes from seed."""
    out = bytearray()
    block = hashlib.sha256(seed.encode()).digest()
    while len(out) < size:
        out += block
        block = hashlib.sha256(block).digest()
    return bytes(out[:size])


# ---------------------------------------------------------------------
# servers

def cmd_udp_server(a):
    log = Log(a.log)
    s = bound_socket(socket.SOCK_DGRAM, '[%s]:%d' % (a.addr, a.port)
                     if ':' in a.addr else '%s:%d' % (a.addr, a.port))
    while True:
        data, peer = s.recvfrom(65535)
        log('udp %s %d %d %s %s' % (peer[0], peer[1], len(data), sha(data),
                                    tag_of(data)))
        if not a.no_echo:
            s.sendto(data, peer)


def tcp_serve_one(conn, peer, log, echo):
    h = hashlib.sha256()
    n = 0
    log('tcp-open %s %d' % (peer[0], peer[1]))
    try:
        while True:
            data = conn.recv(65536)
            if not data:
                break
            h.update(data)
            n += len(data)
            if echo:
                conn.sendall(data)
        log('tcp-done %s %d %d %s' % (peer[0], peer[1], n, h.hexdigest()))
        conn.shutdown(socket.SHUT_WR)
    except OSError as e:
        log('tcp-error %s %d %s' % (peer[0], peer[1],
                                    (e.strerror or str(e)).replace(' ', '_')))
    finally:
        conn.close()


def cmd_tcp_server(a):
    log = Log(a.log)
    host = a.addr
    s = socket.socket(family(host), socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((host, a.port))
    s.listen(64)
    while True:
        conn, peer = s.accept()
        threading.Thread(target=tcp_serve_one, daemon=True,
                         args=(conn, peer, log, not a.no_echo)).start()


# ---------------------------------------------------------------------
# clients

def cmd_udp_client(a):
    to = endpoint(a.to, True)
    s = bound_socket(socket.SOCK_DGRAM, a.bind)
    s.settimeout(a.timeout)
    tag = a.tag or '%s:%d' % s.getsockname()[:2]
    start = time.monotonic()
    sent = ok = 0
    i = 0
    while True:
        if a.duration:
            if time.monotonic() - start >= a.duration:
                break
        elif a.until:
            if os.path.exists(a.until):
                break
            if time.monotonic() - start >= a.hold_max:
                die('%s did not appear within %gs' % (a.until, a.hold_max))
        elif i >= a.count:
            break
        head = ('%s/%d/' % (tag, i)).encode()
        payload = head + b'x' * max(0, a.size - len(head))
        try:
            s.sendto(payload, to)
            sent += 1
        except OSError as e:
            if not a.no_wait:
                die('datagram %d: send: %s' % (i, e))
        if not a.no_wait:
            deadline = time.monotonic() + a.timeout
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    die('datagram %d: no reply from %s:%d within %gs '
                        '(%d echoed before)' % (i, to[0], to[1], a.timeout,
                                                ok))
                s.settimeout(left)
                try:
                    data, peer = s.recvfrom(65535)
                except socket.timeout:
                    continue
                except OSError as e:
                    die('datagram %d: %s' % (i, e))
                if data == payload and peer[:2] == to:
                    ok += 1
                    break
                print('ignored %d bytes from %s:%d' % (len(data), peer[0],
                                                       peer[1]))
        i += 1
        if a.interval:
            time.sleep(a.interval)
    if a.no_wait:
        print('sent %d datagrams from %s:%d to %s:%d' %
              ((sent,) + s.getsockname()[:2] + to))
    else:
        print('%d of %d datagrams echoed intact from %s:%d to %s:%d' %
              ((ok, i) + s.getsockname()[:2] + to))


def cmd_udp_refused(a):
    to = endpoint(a.to, True)
    s = bound_socket(socket.SOCK_DGRAM, a.bind)
    s.connect(to)
    s.settimeout(a.timeout)
    try:
        s.send(b'anyone there?')
        s.recv(65535)
    except ConnectionRefusedError:
        print('connection refused: the port unreachable came back')
        return
    except socket.timeout:
        die('no port unreachable within %gs' % a.timeout)
    die('an answer came back; expected port unreachable')


def cmd_tcp_client(a):
    to = endpoint(a.to, True)
    s = bound_socket(socket.SOCK_STREAM, a.bind)
    s.settimeout(a.timeout)
    try:
        s.connect(to)
    except ConnectionRefusedError:
        die('connect to %s:%d: refused' % to, 3)
    except (socket.timeout, OSError) as e:
        die('connect to %s:%d: %s' % (to + (e if str(e) else 'timed out',)))
    data = os.urandom(a.bytes)
    err = []

    def send():
        try:
            view = memoryview(data)
            for off in range(0, len(data), 65536):
                s.sendall(view[off:off + 65536])
            s.shutdown(socket.SHUT_WR)
        except OSError as e:
            err.append('send: %s' % (e if str(e) else 'timed out'))

    t = threading.Thread(target=send, daemon=True)
    t.start()
    h = hashlib.sha256()
    n = 0
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            h.update(chunk)
            n += len(chunk)
    except OSError as e:
        err.append('recv after %d bytes: %s' % (n, e if str(e) else
                                                'timed out'))
    t.join(a.timeout)
    print('local %s:%d' % s.getsockname()[:2])
    print('sent %d %s' % (len(data), sha(data)))
    print('recv %d %s' % (n, h.hexdigest()))
    if err:
        die('; '.join(err))
    if n != len(data) or h.hexdigest() != sha(data):
        die('the echo differs from what was sent')


def cmd_tcp_session(a):
    to = endpoint(a.to, True)
    s = bound_socket(socket.SOCK_STREAM, a.bind)
    s.settimeout(a.timeout)

    def exchange(msg):
        s.sendall(msg)
        got = b''
        while len(got) < len(msg):
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
        if got != msg:
            die('sent %r, the echo was %r' % (msg, got))

    try:
        s.connect(to)
        exchange(b'hello')
        print('established %s:%d -> %s:%d' % (s.getsockname()[:2] + to),
              flush=True)
        if a.close == 'fin':
            s.shutdown(socket.SHUT_WR)
            while s.recv(65536):
                pass
            s.close()
            print('closed with FIN both ways')
        elif a.close == 'rst':
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                         struct.pack('ii', 1, 0))
            s.close()
            print('aborted with RST')
        else:
            deadline = time.monotonic() + a.hold_max
            while not os.path.exists(a.until):
                if time.monotonic() > deadline:
                    die('%s did not appear within %gs' % (a.until,
                                                         a.hold_max))
                time.sleep(0.1)
            exchange(b'still there?')
            print('the idle connection still works')
    except OSError as e:
        die('%s' % (e if str(e) else 'timed out'))


def cmd_udp_recv(a):
    hello = endpoint(a.hello, True)
    s = bound_socket(socket.SOCK_DGRAM, a.bind)
    s.sendto(b'hello', hello)
    print('hello sent from %s:%d' % s.getsockname()[:2], flush=True)
    deadline = time.monotonic() + a.timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            die('no datagram of %d bytes or more within %gs' %
                (a.min_size, a.timeout))
        s.settimeout(left)
        try:
            data, peer = s.recvfrom(65535)
        except socket.timeout:
            continue
        if len(data) >= a.min_size:
            print('recv %d %s from %s:%d' % (len(data), sha(data),
                                             peer[0], peer[1]))
            return
        print('ignored %d bytes from %s:%d' % (len(data), peer[0], peer[1]))


# ---------------------------------------------------------------------
# raw packets without scapy

def inet_csum(data):
    if len(data) % 2:
        data += b'\0'
    total = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xffff) + (total >> 16)
    return ~total & 0xffff


def ipv4_packet(src, dst, proto, payload, ttl=64, ident=0x4e41):
    hdr = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(payload), ident, 0,
                      ttl, proto, 0, socket.inet_aton(src),
                      socket.inet_aton(dst))
    hdr = hdr[:10] + struct.pack('!H', inet_csum(hdr)) + hdr[12:]
    return hdr + payload


def l4_segment(proto, src, dst, payload=b'napt'):
    """A UDP datagram or TCP SYN from src to dst ((addr, port) pairs),
    checksum included."""
    pseudo_addrs = socket.inet_aton(src[0]) + socket.inet_aton(dst[0])
    if proto == socket.IPPROTO_UDP:
        seg = struct.pack('!HHHH', src[1], dst[1], 8 + len(payload), 0) + \
            payload
        csum = inet_csum(pseudo_addrs + struct.pack('!BBH', 0, proto,
                                                    len(seg)) + seg) or 0xffff
        return seg[:6] + struct.pack('!H', csum) + seg[8:]
    seg = struct.pack('!HHIIBBHHH', src[1], dst[1], 0x4e415054, 0, 5 << 4,
                      0x02, 64240, 0, 0)
    csum = inet_csum(pseudo_addrs + struct.pack('!BBH', 0, proto, len(seg)) +
                     seg)
    return seg[:16] + struct.pack('!H', csum) + seg[18:]


def cmd_icmp_error(a):
    proto = {'udp': socket.IPPROTO_UDP, 'tcp': socket.IPPROTO_TCP}[
        a.inner_proto]
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    # Started ahead, the errors follow the flow at once, however slowly
    # this interpreter came up.
    inner_src = a.inner_src
    if inner_src.startswith('@'):
        inner_src = wait_file(inner_src[1:], a.go_timeout)
    src = endpoint(inner_src, True)
    dst = endpoint(a.inner_dst, True)
    inner = ipv4_packet(src[0], dst[0], proto, l4_segment(proto, src, dst))
    msg = struct.pack('!BBHI', a.type, a.code, 0, 0) + inner
    msg = msg[:2] + struct.pack('!H', inet_csum(msg)) + msg[4:]
    for i in range(a.count):
        s.sendto(msg, (a.to, 0))
        if a.interval and i + 1 < a.count:
            time.sleep(a.interval)
    print('sent %d ICMP type %d code %d to %s about %s %s:%d -> %s:%d' %
          ((a.count, a.type, a.code, a.to, a.inner_proto) + src + dst))


# ---------------------------------------------------------------------
# scapy

def wait_file(path, timeout):
    """Wait for path to exist with something in it; return that."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with open(path) as f:
                text = f.read().strip()
            if text:
                return text
        except OSError:
            pass
        if time.monotonic() > deadline:
            die('nothing in %s within %gs' % (path, timeout))
        time.sleep(0.1)


def scapy_import():
    """Make scapy importable when python was started with -S (no site
    module, so no dist-packages on sys.path): lib_traffic.sh does that
    to start faster."""
    if 'site' not in sys.modules:
        import site
        site.main()


def scapy_l3socket():
    # Through the kernel's routing (a raw IP_HDRINCL socket), not
    # scapy's own: the namespace's routes and neighbours apply.
    from scapy.supersocket import L3RawSocket
    return L3RawSocket()


def cmd_frag_send(a):
    scapy_import()
    from scapy.layers.inet import IP, UDP, fragment
    from scapy.packet import Raw

    src = endpoint(a.src, True)
    dst = endpoint(a.dst, True)
    if a.dport_file:
        dst = (dst[0], int(wait_file(a.dport_file, a.timeout)))
    payload = pattern(a.seed, a.size)
    pkt = IP(src=src[0], dst=dst[0], id=0x4e41) / \
        UDP(sport=src[1], dport=dst[1]) / Raw(payload)
    frags = fragment(pkt, fragsize=a.fragsize)
    if len(frags) < 2:
        die('%d bytes make only one fragment' % a.size, 2)
    frags.reverse()
    s = scapy_l3socket()
    for f in frags:
        s.send(f)
    s.close()
    print('sent %d %s in %d fragments, last first, %s:%d -> %s:%d' %
          ((len(payload), sha(payload), len(frags)) + src + dst))


def cmd_icmp_probes(a):
    scapy_import()
    from scapy.layers.inet import IP, UDP, TCP, ICMP
    from scapy.packet import Raw
    from scapy.sendrecv import AsyncSniffer
    from scapy.utils import checksum

    me, dst = a.src, a.dst
    inet = a.hop
    # name, probe, (type, code) expected, expected sender
    probes = [
        ('UDP to a closed port',
         IP(src=me, dst=dst, ttl=64) / UDP(sport=41000, dport=33434) /
         Raw(b'napt udp port unreachable probe'), (3, 3), dst),
        ('UDP with TTL 2',
         IP(src=me, dst=dst, ttl=2) / UDP(sport=41001, dport=33435) /
         Raw(b'napt udp ttl probe'), (11, 0), inet),
        ('TCP SYN with TTL 2',
         IP(src=me, dst=dst, ttl=2) /
         TCP(sport=41002, dport=80, flags='S', seq=0x4e415054), (11, 0),
         inet),
        ('ICMP echo with TTL 2',
         IP(src=me, dst=dst, ttl=2) / ICMP(type=8, id=41003, seq=1) /
         Raw(b'napt icmp ttl probe'), (11, 0), inet),
    ]

    def is_error(p):
        return IP in p and p[IP].proto == 1 and p[IP].dst != dst and \
            bytes(p[IP].payload)[:1] in (b'\x03', b'\x0b')

    ready = threading.Event()
    got = []
    sniffer = AsyncSniffer(iface=a.iface, lfilter=is_error, store=False,
                           prn=got.append, started_callback=ready.set)
    sniffer.start()
    if not ready.wait(a.timeout):
        die('the sniffer did not start')
    if a.go_file:
        wait_file(a.go_file, a.go_timeout)
        del got[:]      # errors about earlier traffic are not ours

    def match(probe):
        """The error about probe: the one whose embedded packet has its
        protocol and destination port (ICMP: sequence number)."""
        l4_sent = bytes(probe[IP].payload)
        for p in list(got):
            raw = bytes(p[IP])
            outer = IP(raw)
            inner_raw = raw[outer.ihl * 4 + 8:outer.len]
            if len(inner_raw) < 28:
                continue
            inner = IP(inner_raw)
            if inner.proto != probe.proto:
                continue
            l4 = inner_raw[inner.ihl * 4:]
            if probe.proto == 1:
                # echo request with its sequence number: the identifier
                # is what is checked
                if l4[0] == 8 and l4[6:8] == l4_sent[6:8]:
                    return raw
            elif l4[2:4] == l4_sent[2:4]:
                return raw
        return None

    s = scapy_l3socket()
    for _, pkt, _, _ in probes:
        s.send(pkt)
    s.close()
    deadline = time.monotonic() + a.timeout
    while time.monotonic() < deadline and \
            not all(match(pr[1]) for pr in probes):
        time.sleep(0.2)
    sniffer.stop()

    failures = []

    def check(cond, what):
        if not cond:
            failures.append(what)
        return cond

    def pseudo_ok(iph, proto, seg):
        pseudo = socket.inet_aton(iph.src) + socket.inet_aton(iph.dst) + \
            struct.pack('!BBH', 0, proto, len(seg))
        return checksum(pseudo + seg) == 0

    for name, probe, (etype, ecode), sender in probes:
        l4_sent = bytes(probe[IP].payload)
        found = match(probe)
        if not found:
            failures.append('%s: no ICMP error came back' % name)
            continue
        n = len(failures)
        outer = IP(found)
        hl = outer.ihl * 4
        icmp = found[hl:outer.len]
        inner_raw = icmp[8:]
        inner = IP(inner_raw)
        ihl = inner.ihl * 4
        l4 = inner_raw[ihl:]
        print('%s: %s' % (name, outer.summary()))
        print('  outer %s -> %s, ICMP type %d code %d; embedded %s -> %s '
              'proto %d, %d of %d bytes' %
              (outer.src, outer.dst, icmp[0], icmp[1], inner.src, inner.dst,
               inner.proto, len(inner_raw), inner.len))
        check(outer.dst == me, '%s: outer destination %s, expected %s' %
              (name, outer.dst, me))
        check(outer.src == sender, '%s: outer source %s, expected %s' %
              (name, outer.src, sender))
        check(checksum(found[:hl]) == 0,
              '%s: outer IP checksum is wrong' % name)
        check((icmp[0], icmp[1]) == (etype, ecode),
              '%s: ICMP type %d code %d, expected %d/%d' %
              (name, icmp[0], icmp[1], etype, ecode))
        check(checksum(icmp) == 0, '%s: ICMP checksum is wrong' % name)
        check(inner.src == me, '%s: embedded source %s, expected %s' %
              (name, inner.src, me))
        check(inner.dst == dst, '%s: embedded destination %s, expected %s' %
              (name, inner.dst, dst))
        check(checksum(inner_raw[:ihl]) == 0,
              '%s: embedded IP checksum is wrong' % name)
        check(inner.id == probe.id, '%s: embedded IP id %#x, expected %#x' %
              (name, inner.id, probe.id))
        whole = len(inner_raw) >= inner.len
        check(whole, '%s: embedded packet cut to %d of %d bytes' %
              (name, len(inner_raw), inner.len))
        seg = inner_raw[ihl:inner.len]
        if probe.proto == 17:
            sport, dport = struct.unpack('!HH', seg[:4])
            check((sport, dport) == (probe.sport, probe.dport),
                  '%s: embedded ports %d -> %d, expected %d -> %d' %
                  (name, sport, dport, probe.sport, probe.dport))
            if whole:
                check(pseudo_ok(inner, 17, seg),
                      '%s: embedded UDP checksum is wrong' % name)
                check(seg[8:] == l4_sent[8:],
                      '%s: embedded UDP payload differs' % name)
        elif probe.proto == 6:
            sport, dport = struct.unpack('!HH', seg[:4])
            check((sport, dport) == (probe.sport, probe.dport),
                  '%s: embedded ports %d -> %d, expected %d -> %d' %
                  (name, sport, dport, probe.sport, probe.dport))
            if whole:
                check(pseudo_ok(inner, 6, seg),
                      '%s: embedded TCP checksum is wrong' % name)
                check(seg[4:8] == l4_sent[4:8],
                      '%s: embedded TCP sequence number differs' % name)
        else:
            ident = struct.unpack('!H', seg[4:6])[0]
            check(ident == probe[ICMP].id,
                  '%s: embedded ICMP identifier %d, expected %d' %
                  (name, ident, probe[ICMP].id))
            if whole:
                check(checksum(seg) == 0,
                      '%s: embedded ICMP checksum is wrong' % name)
                check(seg == l4_sent,
                      '%s: embedded ICMP echo differs' % name)
        if len(failures) == n:
            print('  every field as expected')
    if failures:
        print('received %d ICMP errors:' % len(got))
        for p in got:
            print('  ' + p.summary())
        die('\n'.join('FAIL ' + f for f in failures))
    print('%d ICMP errors, each translated back field by field' %
          len(probes))


# ---------------------------------------------------------------------

def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = p.add_subparsers(dest='cmd', required=True)

    c = sub.add_parser('udp-server')
    c.add_argument('addr')
    c.add_argument('port', type=int)
    c.add_argument('--log')
    c.add_argument('--no-echo', action='store_true')
    c.set_defaults(func=cmd_udp_server)

    c = sub.add_parser('tcp-server')
    c.add_argument('addr')
    c.add_argument('port', type=int)
    c.add_argument('--log')
    c.add_argument('--no-echo', action='store_true')
    c.set_defaults(func=cmd_tcp_server)

    c = sub.add_parser('udp-client')
    c.add_argument('--bind', required=True)
    c.add_argument('--to', required=True)
    c.add_argument('--count', type=int, default=3)
    c.add_argument('--size', type=int, default=64)
    c.add_argument('--interval', type=float, default=0)
    c.add_argument('--timeout', type=float, default=5)
    c.add_argument('--duration', type=float, default=0)
    c.add_argument('--no-wait', action='store_true')
    c.add_argument('--until')
    c.add_argument('--hold-max', type=float, default=120)
    c.add_argument('--tag')
    c.set_defaults(func=cmd_udp_client)

    c = sub.add_parser('udp-refused')
    c.add_argument('--bind', required=True)
    c.add_argument('--to', required=True)
    c.add_argument('--timeout', type=float, default=5)
    c.set_defaults(func=cmd_udp_refused)

    c = sub.add_parser('tcp-client')
    c.add_argument('--bind', required=True)
    c.add_argument('--to', required=True)
    c.add_argument('--bytes', type=int, default=1000)
    c.add_argument('--timeout', type=float, default=10)
    c.set_defaults(func=cmd_tcp_client)

    c = sub.add_parser('tcp-session')
    c.add_argument('--bind', required=True)
    c.add_argument('--to', required=True)
    c.add_argument('--close', choices=('fin', 'rst', 'hold'), required=True)
    c.add_argument('--until')
    c.add_argument('--hold-max', type=float, default=120)
    c.add_argument('--timeout', type=float, default=10)
    c.set_defaults(func=cmd_tcp_session)

    c = sub.add_parser('udp-recv')
    c.add_argument('--bind', required=True)
    c.add_argument('--hello', required=True)
    c.add_argument('--min-size', type=int, default=1)
    c.add_argument('--timeout', type=float, default=30)
    c.set_defaults(func=cmd_udp_recv)

    c = sub.add_parser('icmp-error')
    c.add_argument('--to', required=True)
    c.add_argument('--type', type=int, default=3)
    c.add_argument('--code', type=int, default=3)
    c.add_argument('--inner-proto', choices=('udp', 'tcp'), default='udp')
    c.add_argument('--inner-src', required=True)
    c.add_argument('--inner-dst', required=True)
    c.add_argument('--count', type=int, default=1)
    c.add_argument('--interval', type=float, default=0)
    c.add_argument('--go-timeout', type=float, default=300)
    c.set_defaults(func=cmd_icmp_error)

    c = sub.add_parser('frag-send')
    c.add_argument('--src', required=True)
    c.add_argument('--dst', required=True)
    c.add_argument('--dport-file')
    c.add_argument('--size', type=int, default=4000)
    c.add_argument('--fragsize', type=int, default=1000)
    c.add_argument('--seed', default='napt')
    c.add_argument('--timeout', type=float, default=60)
    c.set_defaults(func=cmd_frag_send)

    c = sub.add_parser('icmp-probes')
    c.add_argument('--iface', required=True)
    c.add_argument('--src', required=True)
    c.add_argument('--dst', required=True)
    c.add_argument('--hop', required=True,
                   help='the router one hop beyond the NAT (TTL 2 dies there)')
    c.add_argument('--timeout', type=float, default=20)
    c.add_argument('--go-file',
                   help='send once this file has something in it')
    c.add_argument('--go-timeout', type=float, default=300)
    c.set_defaults(func=cmd_icmp_probes)

    a = p.parse_args()
    # On a slow kernel (the debug kernel under emulation) every wait is
    # NAPT_WAIT_SCALE times longer, as lib.sh's own waits are.
    scale = float(os.environ.get('NAPT_WAIT_SCALE') or 1)
    for k in ('timeout', 'go_timeout'):
        if getattr(a, k, None) is not None:
            setattr(a, k, getattr(a, k) * scale)
    if a.cmd == 'tcp-session' and a.close == 'hold' and not a.until:
        die('--close hold needs --until FILE', 2)
    a.func(a)


if __name__ == '__main__':
    main()
