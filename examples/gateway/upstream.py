"""A tiny API with no payment code at all, for `tollgate gateway` to sell.

    python3 upstream.py 8000      # then: npx tollgate gateway --config tollgate.config.yaml

Standard library only (http.server). Prints "listening on <port>" once bound (port 0 picks one).
"""
import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    server_version = "upstream/1"

    def _json(self, status, value):
        body = json.dumps(value).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        if path.startswith("/weather"):
            city = path.rsplit("/", 1)[-1] if path.count("/") > 1 else "Lisbon"
            return self._json(200, {"city": city, "celsius": 21, "served_by": "python"})
        if path == "/report":
            # Streamed in pieces: the gateway holds all of it until the payment has settled.
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            for line in range(5):
                self.wfile.write(f"line {line}\n".encode())
                self.wfile.flush()
                time.sleep(0.05)
            return
        if path == "/headers":
            return self._json(200, {name.lower(): value for name, value in self.headers.items()})
        if path == "/fail":
            return self._json(500, {"error": "the upstream failed"})
        if path.startswith("/public"):
            return self._json(200, {"public": True})
        return self._json(404, {"error": "not found"})

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", "replace")
        return self._json(200, {"received": body, "served_by": "python"})

    def log_message(self, format, *args):
        pass


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8000
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    print(f"listening on {server.server_address[1]}", flush=True)
    server.serve_forever()
