"""A real uvicorn server on 127.0.0.1 (a free port) in a thread, and a small HTTP client, for
the ``pipeline serve`` tests."""

from __future__ import annotations

import http.client
import json
import os
import socket
import threading
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

import pytest


@contextmanager
def isolated_env(tmp: Path, conversions: Path):
    """The environment a module-scoped server needs: its own pipeline cache (the converted
    models shared), no hub."""
    cache = tmp / "pipeline-cache"
    cache.mkdir(parents=True, exist_ok=True)
    if not (cache / "ct2").exists():
        (cache / "ct2").symlink_to(conversions, target_is_directory=True)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PIPELINE_CACHE", str(cache))
        mp.setenv("HF_HUB_CACHE", str(tmp / "hf-cache"))
        mp.setenv("HF_HUB_OFFLINE", "1")
        yield cache


class Server:
    """``pipeline serve`` in this process: the service, the app under uvicorn, its port."""

    def __init__(self, settings) -> None:
        import uvicorn

        from pipeline.serve import Service, create_app

        self.service = Service(settings).start()
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        config = uvicorn.Config(create_app(self.service), log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]},
                                       daemon=True)
        self.thread.start()
        while not self.server.started:
            if not self.thread.is_alive():
                raise RuntimeError("the server did not start")
            self.thread.join(0.02)

    @property
    def batcher(self):
        return self.service.batchers[("de", "en")]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self.server.should_exit = True
        self.thread.join(30)
        self.service.close()
        self.sock.close()

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict | None = None) -> Response:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            r = conn.getresponse()
            return Response(r.status, {k.lower(): v for k, v in r.getheaders()}, r.read())
        finally:
            conn.close()

    def post_json(self, path: str, data, headers: dict | None = None) -> Response:
        return self.request("POST", path, json.dumps(data).encode(),
                            {"Content-Type": "application/json", **(headers or {})})

    def post_form(self, path: str, data: dict, headers: dict | None = None) -> Response:
        return self.request("POST", path, urlencode(data).encode(),
                            {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})})

    def post_multipart(self, path: str, fields: dict, files: dict) -> Response:
        boundary = "pipeline-test-" + os.urandom(8).hex()
        parts = []
        for name, value in fields.items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                         .encode() + value.encode() + b"\r\n")
        for name, (filename, data) in files.items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                         f'filename="{filename}"\r\nContent-Type: text/plain\r\n\r\n'.encode()
                         + data + b"\r\n")
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        return self.request("POST", path, body,
                            {"Content-Type": f"multipart/form-data; boundary={boundary}"})


class Response:
    def __init__(self, status: int, headers: dict, body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body)

    def __repr__(self) -> str:
        return f"<{self.status} {self.body[:300]!r}>"
