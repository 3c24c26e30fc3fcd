# Minimal fake Kafka broker for capturing fixtures: just enough of ApiVersions v0-2, Metadata v1 and
# Produce v3-v7 for librdkafka (kcat) to send its record batches, which are written to OUT.<n>.bin.
# Usage: python3 fake-broker.py PORT OUT  (see capture.sh). Test tooling only, never a server.
import socket, struct, sys, threading
PORT = int(sys.argv[1]); OUT = sys.argv[2]
count = [0]
def s16(b, o): return struct.unpack_from(">h", b, o)[0], o + 2
def s32(b, o): return struct.unpack_from(">i", b, o)[0], o + 4
def string(b, o):
    n, o = s16(b, o)
    if n < 0: return None, o
    return b[o:o+n].decode(), o + n
def wstr(s): e = s.encode(); return struct.pack(">h", len(e)) + e
def handle(conn):
    buf = b""
    while True:
        while len(buf) < 4:
            d = conn.recv(65536)
            if not d: return
            buf += d
        n = struct.unpack(">i", buf[:4])[0]
        while len(buf) < 4 + n:
            d = conn.recv(65536)
            if not d: return
            buf += d
        req, buf = buf[4:4+n], buf[4+n:]
        key, ver, corr = struct.unpack_from(">hhi", req, 0)
        o = 8
        _client, o = string(req, o)
        if key == 18:  # ApiVersions
            if ver > 2:
                body = struct.pack(">h", 35)
            else:
                body = struct.pack(">h", 0)
            apis = [(0, 0, 7), (1, 0, 11), (3, 0, 1), (10, 0, 0), (18, 0, 2)]
            body += struct.pack(">i", len(apis)) + b"".join(struct.pack(">hhh", *a) for a in apis)
            if ver >= 1 and ver <= 2: body += struct.pack(">i", 0)
        elif key == 3:  # Metadata v1
            topics = []
            tn, o2 = s32(req, o)
            for _ in range(max(tn, 0)):
                t, o2 = string(req, o2); topics.append(t)
            body = struct.pack(">i", 1) + struct.pack(">i", 1) + wstr("127.0.0.1") + struct.pack(">i", PORT) + struct.pack(">h", -1)
            body += struct.pack(">i", 1)  # controller
            body += struct.pack(">i", len(topics))
            for t in topics:
                body += struct.pack(">h", 0) + wstr(t) + b"\x00" + struct.pack(">i", 1)
                body += struct.pack(">hii", 0, 0, 1) + struct.pack(">ii", 1, 1) + struct.pack(">ii", 1, 1)
        elif key == 0:  # Produce v3-v7 (same request format)
            _tx, o = string(req, o)
            acks, o = s16(req, o); _timeout, o = s32(req, o)
            tn, o = s32(req, o)
            resp = []
            for _ in range(tn):
                t, o = string(req, o)
                pn, o = s32(req, o)
                parts = []
                for _ in range(pn):
                    p, o = s32(req, o); size, o = s32(req, o)
                    with open(f"{OUT}.{count[0]}.bin", "wb") as f: f.write(req[o:o+size])
                    count[0] += 1
                    o += size
                    parts.append(p)
                resp.append((t, parts))
            body = struct.pack(">i", len(resp))
            for t, parts in resp:
                body += wstr(t) + struct.pack(">i", len(parts))
                for p in parts: body += struct.pack(">ihqq", p, 0, 0, -1) + (struct.pack(">q", 0) if ver >= 5 else b"")
            body += struct.pack(">i", 0)
        else:
            print("unhandled api", key, ver, file=sys.stderr); return
        msg = struct.pack(">i", corr) + body
        conn.sendall(struct.pack(">i", len(msg)) + msg)
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", PORT)); srv.listen(8)
while True:
    c, _ = srv.accept()
    threading.Thread(target=handle, args=(c,), daemon=True).start()
