"""``pipeline serve`` as a process: SIGTERM finishes the requests in flight and exits; ``make
serve`` hands its variables to pipeline through the environment, never to a shell."""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")

from tests.conftest import ROOT  # noqa: E402

pytestmark = pytest.mark.slow  # servers and make in processes of their own


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_sigterm_finishes_requests_in_flight_then_exits(tiny_model, tmp_path):
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "serve", "--model-dir", str(tiny_model),
                             "--port", str(port), "--no-cache"], cwd=tmp_path, env=env,
                            stderr=subprocess.PIPE, text=True)
    try:
        lines = []
        for line in proc.stderr:
            lines.append(line)
            if line.startswith("serving on"):
                break
        assert lines and lines[-1] == f"serving on http://127.0.0.1:{port} (Ctrl+C to stop)\n", lines
        # distinct sentences (repeated ones are translated once): seconds of work, in flight
        article = "\n\n".join(
            f"Im Jahr {1700 + i} sprach der Rat {i} Stunden über die Brücke Nummer {i * 7}. "
            f"Danach folgten {i + 3} weitere Sitzungen." for i in range(600)).encode()
        answer: dict = {}

        def request() -> None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            conn.request("POST", "/v1/translate", body=article)
            r = conn.getresponse()
            answer.update(status=r.status, body=r.read())

        client = threading.Thread(target=request)
        client.start()
        time.sleep(0.5)  # the request is being translated
        assert client.is_alive(), "the request finished before SIGTERM: make it longer"
        proc.send_signal(signal.SIGTERM)
        client.join(120)
        assert proc.wait(60) == 0
        assert answer["status"] == 200
        records = answer["body"].decode().splitlines()
        assert records and all(line.startswith('{"schema"') for line in records)
        assert "Traceback" not in proc.stderr.read()
        with pytest.raises(OSError):  # and it no longer listens
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_a_port_in_use_is_one_error_line_before_the_model_loads(tmp_path):
    from typer.testing import CliRunner

    from pipeline.cli import app

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        res = CliRunner().invoke(app, ["serve", "--port", str(port), "--model-dir",
                                       str(tmp_path / "no-model")])
    assert res.exit_code == 1
    assert res.output.strip().splitlines() == [
        f"error: cannot listen on 127.0.0.1:{port}: Address already in use"]


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_serve_passes_its_variables_through_the_environment(tmp_path):
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    for stamp in (".installed", ".installed-serve"):  # installed, as far as make can tell
        (venv / stamp).touch()
    fake = tmp_path / "pipeline"
    fake.write_text('#!/bin/sh\nfor a in "$@"; do printf "[%s]\\n" "$a"; done\n', encoding="utf-8")
    fake.chmod(0o755)
    hostile = "x`touch PWNED`;touch PWNED \"$HOME\" 'y $(id)"  # make's own $(shell) is the user's
    res = subprocess.run(["make", "-s", "-C", str(ROOT), "serve", f"VENV={venv}", f"PIPELINE={fake}",
                          f"HOST={hostile}", "PORT=5123", "SERVE_ARGS=--cors 'a b' * $(id)"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    assert res.stdout.splitlines() == ["[serve]", "[--host]", f"[{hostile}]", "[--port]", "[5123]",
                                       "[--cors]", "['a]", "[b']", "[*]", "[$(id)]"]
    assert not (tmp_path / "PWNED").exists() and not (ROOT / "PWNED").exists()
    plain = subprocess.run(["make", "-s", "-C", str(ROOT), "serve", f"VENV={venv}",
                            f"PIPELINE={fake}"], cwd=tmp_path, capture_output=True, text=True,
                           timeout=60, env={k: v for k, v in os.environ.items()
                                            if k not in ("HOST", "PORT", "SERVE_ARGS")})
    assert plain.stdout.splitlines() == ["[serve]", "[--host]", "[127.0.0.1]", "[--port]", "[5000]"]
