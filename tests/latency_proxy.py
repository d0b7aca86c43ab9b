"""A TCP proxy on loopback that holds every request for `delay` seconds: a slow link to a
real server, for the tests that need one slow rather than down."""

from __future__ import annotations

import contextlib
import socket
import threading
import time


class LatencyProxy:
    def __init__(self, upstream_port: int, delay: float = 0.0) -> None:
        self.upstream, self.delay = upstream_port, delay
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._closed = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        with client, socket.create_connection(("127.0.0.1", self.upstream)) as server:
            back = threading.Thread(target=self._pipe, args=(server, client, 0.0), daemon=True)
            back.start()
            self._pipe(client, server, self.delay)
            back.join(timeout=5)

    def _pipe(self, source: socket.socket, target: socket.socket, delay: float) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                time.sleep(self.delay if delay else 0.0)
                target.sendall(data)
            target.shutdown(socket.SHUT_WR)

    def close(self) -> None:
        self._closed.set()
        self.listener.close()
