"""lspclient.py — a small Language Server Protocol client over pipes, for the qrc lsp tests and benchmark.

It frames JSON-RPC messages with Content-Length headers, can send raw bytes (to test malformed input),
and collects notifications (publishDiagnostics) while waiting for responses.
"""
import json
import os
import pathlib
import select
import subprocess


class Client:
    def __init__(self, qrc, cwd=None):
        self.proc = subprocess.Popen([qrc, "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, cwd=cwd)
        self.next_id = 1
        self.buf = b""
        self.notifications = []

    # ---- writing ----
    def raw(self, data):
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def frame(self, obj):
        body = json.dumps(obj).encode()
        return b"Content-Length: %d\r\n\r\n" % len(body) + body

    def notify(self, method, params=None):
        self.raw(self.frame({"jsonrpc": "2.0", "method": method, "params": params or {}}))

    def send_request(self, method, params=None):
        rid = self.next_id
        self.next_id += 1
        self.raw(self.frame({"jsonrpc": "2.0", "id": rid, "method": method, "params": params or {}}))
        return rid

    # ---- reading ----
    def _read_message(self, timeout):
        while True:
            head, sep, rest = self.buf.partition(b"\r\n\r\n")
            if sep:
                length = None
                for line in head.split(b"\r\n"):
                    k, _, v = line.partition(b":")
                    if k.strip().lower() == b"content-length":
                        length = int(v)
                if length is None:
                    raise RuntimeError("response without Content-Length: %r" % head)
                if len(rest) >= length:
                    self.buf = rest[length:]
                    return json.loads(rest[:length])
            ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
            if not ready:
                raise TimeoutError("no message from the server within %ss" % timeout)
            chunk = os.read(self.proc.stdout.fileno(), 1 << 20)
            if not chunk:
                raise EOFError("the server closed its output")
            self.buf += chunk

    def response(self, rid, timeout=30):
        """The response to request rid (notifications that arrive first are kept)."""
        while True:
            msg = self._read_message(timeout)
            if "method" in msg and "id" not in msg:
                self.notifications.append(msg)
            elif msg.get("id") == rid or rid is None:
                return msg

    def request(self, method, params=None, timeout=30):
        return self.response(self.send_request(method, params), timeout)

    def diagnostics(self, uri, version=None, timeout=30):
        """The next publishDiagnostics for uri (for that version of it: older ones are dropped)."""
        while True:
            for i, n in enumerate(self.notifications):
                if n["method"] == "textDocument/publishDiagnostics" and n["params"]["uri"] == uri:
                    p = self.notifications.pop(i)["params"]
                    if version is None or p.get("version") == version:
                        return p
                    break
            else:
                msg = self._read_message(timeout)
                if "method" in msg and "id" not in msg:
                    self.notifications.append(msg)

    def initialize(self, root):
        r = self.request("initialize", {"processId": os.getpid(), "rootUri": uri_of(root), "capabilities": {}})
        self.notify("initialized")
        return r

    def open(self, path, text, version=1):
        self.notify("textDocument/didOpen", {"textDocument": {"uri": uri_of(path), "languageId": "qrc",
                                                              "version": version, "text": text}})

    def change(self, path, text, version):
        self.notify("textDocument/didChange", {"textDocument": {"uri": uri_of(path), "version": version},
                                               "contentChanges": [{"text": text}]})

    def close_pipes(self, timeout=10):
        self.proc.stdin.close()
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return None


def uri_of(path):
    return pathlib.Path(os.path.abspath(path)).as_uri()


def pos(text, needle, delta=0):
    """The LSP position of the first occurrence of needle in text, moved by delta characters."""
    i = text.index(needle) + delta
    line = text.count("\n", 0, i)
    col = i - (text.rfind("\n", 0, i) + 1)
    return {"line": line, "character": len(text[i - col:i].encode("utf-16-le")) // 2}
