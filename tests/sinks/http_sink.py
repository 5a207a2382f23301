#!/usr/bin/env python3
"""http_sink.py — a throw-away HTTP listener for tests/test_deliver.c.

Binds 127.0.0.1 on --port (0 = ephemeral), prints "PORT <n>" once it
accepts connections, and exits by itself after --timeout seconds.
Each request replaces --out (written atomically before replying) with the
method, path, headers and body, and, with --secret, whether X-Sdm-Signature
is the HMAC-SHA256 of the body.

The path picks the answer: /status/NNN -> NNN (429 adds Retry-After: 7),
/redirect -> 302 to file:///etc/passwd, /slow -> waits 3 s, else 200.
"""
import argparse, hashlib, hmac, os, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ARGS = None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *a):
        pass

    def record(self, body):
        lines = ["METHOD: " + self.command, "PATH: " + self.path]
        lines += ["HEADER %s: %s" % (k, v) for k, v in self.headers.items()]
        if ARGS.secret is not None:
            want = "sha256=" + hmac.new(ARGS.secret.encode(), body, hashlib.sha256).hexdigest()
            got = self.headers.get("X-Sdm-Signature", "")
            lines.append("SIGNATURE-VALID: " + ("yes" if hmac.compare_digest(want, got) else "no"))
        tmp = ARGS.out + ".tmp"
        with open(tmp, "wb") as f:
            f.write(("\n".join(lines) + "\nBODY-BEGIN\n").encode() + body + b"\nBODY-END\n")
        os.replace(tmp, ARGS.out)

    def reply(self, status, text, extra=()):
        data = text.encode()
        self.send_response(status)
        for k, v in extra:
            self.send_header(k, v)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.record(body)
        if self.path.startswith("/status/"):
            code = int(self.path.split("/")[2])
            extra = [("Retry-After", "7")] if code == 429 else []
            self.reply(code, "sink says %d\n" % code, extra)
        elif self.path == "/redirect":
            self.reply(302, "moved\n", [("Location", "file:///etc/passwd")])
        elif self.path == "/slow":
            time.sleep(3)
            self.reply(200, "late\n")
        else:
            self.reply(200, "ok\n")

    do_GET = do_POST


def main():
    global ARGS
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--out", required=True)
    p.add_argument("--timeout", type=float, default=30)
    p.add_argument("--secret")
    ARGS = p.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", ARGS.port), Handler)
    srv.daemon_threads = True
    print("PORT", srv.server_address[1], flush=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    time.sleep(ARGS.timeout)
    os._exit(0)   # do not wait for a stuck handler


if __name__ == "__main__":
    main()
