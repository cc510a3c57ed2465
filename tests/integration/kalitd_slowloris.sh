#!/bin/sh
# shellcheck disable=SC1090,SC2015,SC2086
# kalitd_slowloris.sh: one host trickling requests a byte a second cannot
# take kalitd down: it gets max_connections_per_address connections at
# most, each closed when its request has not arrived whole within
# request_timeout (the idle connection_timeout never fires on a trickle),
# while other addresses, and /healthz, keep being served.
. "${TESTLIB:?TESTLIB is not set}"
. "${KALITD_LIB:?KALITD_LIB is not set}"

citizen_pki
PORT=$(free_port)
write_conf "" "max_connections = 100
max_connections_per_address = 20
connection_timeout = 5
request_timeout = 3"
kd keygen >/dev/null && add_client portal || fail "keygen, client add"
start_kalitd

# A login kalitd works on (suspended until the audit writer commits) is
# not cut off by request_timeout: here the database is locked for longer.
challenge portal
sign_openssl v.crt v.key "$CH" s.der && login_body portal "$CH" s.der \
    >b.json || fail "a login body"
python3 -c 'import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], timeout=10, isolation_level=None)
c.execute("BEGIN IMMEDIATE")
time.sleep(4.5)
c.execute("ROLLBACK")' "$SRV/kalitd.db" &
_lock=$!
sleep 0.5
post_login b.json
wait $_lock
expect_http "a login that waits 4 s for the audit (request_timeout 3)" 200 -

cat >trickle.py <<'PY'
import http.client, socket, sys, threading, time
port, nsock, run = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
socks, closed, lock = [], set(), threading.Lock()
stop = threading.Event()

def health(src):
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=3,
            source_address=(src, 0))
        c.request("GET", "/healthz")
        ok = c.getresponse().status == 200
        c.close()
        return ok
    except OSError:
        return False

def trickle():
    # a header a byte a second, on every socket still open
    while not stop.is_set():
        for i, s in enumerate(socks):
            if i in closed:
                continue
            try:
                s.send(b"a")
            except OSError:
                with lock:
                    closed.add(i)
        stop.wait(1)

def watch():
    # a socket the server closed reads the end of the stream (or a reset)
    while not stop.is_set():
        for i, s in enumerate(socks):
            if i in closed:
                continue
            try:
                if s.recv(4096, socket.MSG_DONTWAIT) == b"":
                    with lock:
                        closed.add(i)
            except BlockingIOError:
                pass
            except OSError:
                with lock:
                    closed.add(i)
        stop.wait(0.1)

for i in range(nsock):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"POST /v1/login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/json\r\nX-Slow: ")
    socks.append(s)
threads = [threading.Thread(target=trickle), threading.Thread(target=watch)]
for t in threads:
    t.start()
time.sleep(1)
with lock:
    held = nsock - len(closed)	# before any request_timeout
other_ok = other = 0
t0 = time.monotonic()
while time.monotonic() - t0 < run:
    other += 1
    other_ok += health("127.0.0.2")
    time.sleep(0.25)
stop.set()
for t in threads:
    t.join()
print(held, len(closed), nsock, other_ok, other, int(health("127.0.0.1")))
PY
# 150 sockets from 127.0.0.1, more than max_connections; /healthz from
# 127.0.0.2 every 0.25 s for 6 s meanwhile.
# shellcheck disable=SC2046
set -- $(python3 trickle.py "$PORT" 150 6)
assert "127.0.0.1 held at most max_connections_per_address (${1:-?} held)" \
    "${1:-99}" -le 20 -a "${1:-0}" -ge 1
assert_eq "/healthz from 127.0.0.2 answered 200 all along" "${4:-}" "${5:-x}"
assert_eq "every trickling connection was closed by kalitd" \
    "${2:-}/${3:-}" 150/150
assert_eq "afterwards /healthz from 127.0.0.1 answers 200" "${6:-}" 1
http GET /metrics
assert_grep "kalitd_request_timeouts_total counts the trickles" \
    '^kalitd_request_timeouts_total [1-9]' "$OUT"
check "kalitd is still running" kill -0 "$KPID"
stop_kalitd
assert_eq "kalitd stopped cleanly" "$KRC" 0
finish
