#!/usr/bin/env python3
"""
faultsrv.py PORT DIR: an OCSP responder and CRL server that misbehaves as
DIR/mode says, read at each request (kalitd_faults.sh writes it):

  hang      accepts the request, reads it, never answers
  slow      answers DIR/answer after DIR/delay seconds
  garbage   answers 4 KiB of random bytes as an OCSP response or a CRL
  replay    answers DIR/answer (a real OCSP response, for another
            certificate) whatever is asked
  huge      a CRL of 256 MiB: a DER header, then zeros, sent as fast as
            the client takes them (Content-Length given)
  endless   a CRL with no end: chunked, a chunk every 50 ms, forever
  flood     a CRL with no end and no length: chunked, as fast as taken

Each request is counted in DIR/count (one line each) so that the test
knows kalitd asked.
"""
import http.server
import os
import sys
import time

DIR = sys.argv[2]


def setting(name, default=""):
    try:
        with open(os.path.join(DIR, name)) as f:
            return f.read().strip()
    except OSError:
        return default


class Faulty(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def answer(self, body, ctype):
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def serve(self):
        with open(os.path.join(DIR, "count"), "a") as f:
            f.write(self.command + " " + self.path + "\n")
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            self.rfile.read(n)
        mode = setting("mode", "hang")
        crl = self.path.startswith("/crl")
        ctype = "application/pkix-crl" if crl else \
            "application/ocsp-response"
        if mode == "hang":
            time.sleep(3600)
        elif mode == "slow":
            time.sleep(float(setting("delay", "5")))
            self.answer(open(os.path.join(DIR, "answer"), "rb").read(),
                        ctype)
        elif mode == "garbage":
            self.answer(os.urandom(4096), ctype)
        elif mode == "replay":
            self.answer(open(os.path.join(DIR, "answer"), "rb").read(),
                        ctype)
        elif mode == "huge":
            size = 256 << 20
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(size))
            self.end_headers()
            # SEQUENCE of the whole length, then zeros
            self.wfile.write(b"\x30\x84" + (size - 6).to_bytes(4, "big"))
            block = bytes(1 << 16)
            for _ in range((size - 6) // len(block)):
                self.wfile.write(block)
        elif mode in ("endless", "flood"):
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.write(b"6\r\n\x30\x84\x7f\xff\xff\xff\r\n")
            size = 1024 if mode == "endless" else 1 << 16
            chunk = b"%x\r\n" % size + bytes(size) + b"\r\n"
            while True:
                self.wfile.write(chunk)
                if mode == "endless":
                    self.wfile.flush()
                    time.sleep(0.05)

    def do_GET(self):
        try:
            self.serve()
        except (BrokenPipeError, ConnectionResetError):
            pass

    do_POST = do_GET

    def log_message(self, *a):
        pass


if __name__ == "__main__":
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])),
                                          Faulty)
    srv.daemon_threads = True
    srv.serve_forever()
