"""A minimal SMTP sink for the end-to-end tests: accepts every transaction on
127.0.0.1 and keeps it (envelope + bytes) in memory and as a file."""
import os
import socketserver
import threading


class _Handler(socketserver.StreamRequestHandler):
    def reply(self, line):
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self):
        sink = self.server.sink
        self.reply("220 sink.test ESMTP")
        mail, rcpts = None, []
        while True:
            line = self.rfile.readline(65536)
            if not line:
                return
            cmd = line.decode("latin-1").rstrip("\r\n")
            verb = cmd[:4].upper()
            if verb in ("HELO", "EHLO"):
                self.reply("250-sink.test\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 PIPELINING"
                           if verb == "EHLO" else "250 sink.test")
            elif verb == "MAIL":
                mail, rcpts = _addr(cmd), []
                self.reply("250 ok")
            elif verb == "RCPT":
                rcpts.append(_addr(cmd))
                self.reply("250 ok")
            elif verb == "DATA":
                self.reply("354 go")
                data = bytearray()
                while True:
                    l = self.rfile.readline(1 << 20)
                    if not l or l in (b".\r\n", b".\n"):
                        break
                    if l.startswith(b".."):
                        l = l[1:]
                    data += l
                sink.store(mail, rcpts, bytes(data))
                self.reply("250 queued")
                mail, rcpts = None, []
            elif verb == "RSET":
                mail, rcpts = None, []
                self.reply("250 ok")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 ok")


def _addr(cmd):
    start, end = cmd.find("<"), cmd.find(">")
    return cmd[start + 1:end] if start >= 0 and end > start else cmd.split(":", 1)[-1].strip()


class _Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


class Sink:
    """sink.messages: list of (mail_from, [rcpts], bytes)."""

    def __init__(self, directory, port=0):
        self.dir = directory
        os.makedirs(directory, exist_ok=True)
        self.messages = []
        self.lock = threading.Lock()
        self.server = _Server(("127.0.0.1", port), _Handler)
        self.server.sink = self
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def store(self, mail, rcpts, data):
        with self.lock:
            n = len(self.messages)
            self.messages.append((mail, rcpts, data))
        with open(os.path.join(self.dir, "%05d.eml" % n), "wb") as f:
            f.write(data)

    def clear(self):
        with self.lock:
            self.messages = []

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
