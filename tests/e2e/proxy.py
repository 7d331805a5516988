"""A proxy between a device and `armory serve` that behaves like set Wi-Fi: it can drop the
reply to a request the server did receive and answer (the step is recorded, the device never
hears so), or be down altogether (every connection refused as it opens)."""
import socket
import threading


class FlakyLink:
    """Listens on 127.0.0.1; forwards each request to `upstream` (host, port) on its own
    connection. `drop_replies(n, match)` drops the next n replies to requests whose first line
    contains `match`, after the server answered; `down = True` closes every connection at once."""

    def __init__(self, upstream):
        self.upstream = upstream
        self.down = False
        self.to_drop = 0
        self.match = b""
        self.dropped = []
        self.open = []
        self.lock = threading.Lock()
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def drop_replies(self, n, match):
        with self.lock:
            self.to_drop, self.match = n, match.encode()

    def close(self):
        self.sock.close()

    def _accept(self):
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    @staticmethod
    def _read_request(conn):
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return None
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        while len(body) < length:
            chunk = conn.recv(65536)
            if not chunk:
                return None
            body += chunk
        return head, body

    def set_down(self, down):
        """Down: every open connection (live streams too) is cut, and new ones are closed as they open."""
        self.down = down
        if down:
            with self.lock:
                open_now, self.open = list(self.open), []
            for s in open_now:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def _serve(self, client):
        up = None
        try:
            if self.down:
                return
            request = self._read_request(client)
            if request is None or self.down:
                return
            head, body = request
            # One request per connection each way: the reply ends when the server closes.
            lines = [l for l in head.split(b"\r\n") if not l.lower().startswith((b"connection:", b"keep-alive:"))]
            up = socket.create_connection(self.upstream, timeout=60)
            with self.lock:
                self.open += [client, up]
            up.sendall(b"\r\n".join(lines) + b"\r\nConnection: close\r\n\r\n" + body)
            first = head.split(b"\r\n")[0]
            with self.lock:
                drop = self.to_drop > 0 and self.match in first
                if drop:
                    self.to_drop -= 1
                    self.dropped.append(first.decode())
            while True:
                chunk = up.recv(65536)
                if not chunk:
                    break
                # A dropped reply: the server answered in full, the device hears nothing.
                if not drop:
                    client.sendall(chunk)
            if drop:
                client.shutdown(socket.SHUT_RDWR)
        except OSError:
            return
        finally:
            for s in (client, up):
                if s is not None:
                    s.close()
