"""A local stand-in for the Hugging Face hub: the requests ``huggingface_hub`` really makes.

Written against huggingface_hub 2.4.0, by reading its code, and read again for 2.5.0 (its
requests are the same: it adds a file lock to ``local_dir`` downloads, the ``kernels`` repo
type and ``EgressLimitError``); :data:`WRITTEN_FOR`:

* ``HfApi.model_info(repo, revision=R, files_metadata=True)`` (hf_api.py): ``GET
  {endpoint}/api/models/{repo}/revision/{R}?blobs=True`` → JSON with ``id``, ``sha`` (the
  commit R resolves to) and ``siblings`` [{``rfilename``, ``size``, ``blobId``, ``lfs``:
  {``size``, ``sha256``, ``pointerSize``} for LFS files}].
* ``hf_hub_download`` (file_download.py ``get_hf_file_metadata``): ``HEAD
  {endpoint}/{repo}/resolve/{R}/{file}`` with ``Accept-Encoding: identity``, redirects not
  followed off the hub's origin (utils/_http.py ``_httpx2_follow_hub_redirects_with_backoff``).
  It reads ``X-Repo-Commit`` (required), ``X-Linked-Etag`` or else ``ETag`` (required; the
  cache's blob name), ``X-Linked-Size`` or else ``Content-Length``, and ``Location``.
  A small (git) file answers 200 with ``ETag`` = its git blob id; an LFS file answers 302 to a
  CDN on another origin, with ``X-Linked-Etag`` = its sha256 and ``X-Linked-Size``.
* Then ``GET`` of that location (``http_get``: ``Range: bytes=N-`` only to resume), which
  must deliver exactly the expected size.
* Errors: 404 with ``X-Error-Code`` ``RevisionNotFound``, ``EntryNotFound`` (with
  ``X-Repo-Commit``) or ``RepoNotFound`` (utils/_http.py ``hf_raise_for_status``).
* No Xet headers (``X-Xet-Hash``) are sent, so downloads take the plain HTTP path.
* Unless ``HF_HUB_DISABLE_TELEMETRY`` is set, building the request headers also fetches
  ``GET {endpoint}/api/agent-harnesses`` once a day (utils/_detect_agent.py, cached under
  ``HF_HOME``); it is answered with an empty registry.

The CDN runs on a second port (a second origin), as the real one is on another host. Every
request to either server is logged, so a test can assert that nothing touched the network.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

#: huggingface_hub versions whose requests this server answers (their code was read)
WRITTEN_FOR = ("2.4.0", "2.5.0")
COMMIT = "5ad0c0ffee5ad0c0ffee5ad0c0ffee5ad0c0ffee"  # the stand-in's own revision
ROOT = Path(__file__).resolve().parent.parent

LFS_NAMES = ("pytorch_model.bin", "model.safetensors")  # stored with Git LFS on the hub


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    range: str | None


def git_blob_id(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


@dataclass
class StandInHub:
    """One model repository (and any ``others``) at one commit; ``main`` resolves to it. Files may be changed while
    it runs (:meth:`put`), as a compromised or mistaken mirror would."""

    repo: str
    commit: str
    files: dict[str, bytes]
    requests: list[Request] = field(default_factory=list)
    listed_sha256: dict[str, str] = field(default_factory=dict)  # override the listing (a lie)
    others: dict[str, dict[str, bytes]] = field(default_factory=dict)  # more repositories

    def files_of(self, repo: str) -> dict[str, bytes] | None:
        """The files of ``repo`` (the main one, or one of ``others``, at the same commit)."""
        return self.files if repo == self.repo else self.others.get(repo)

    def put(self, name: str, data: bytes, *, relist: bool = True) -> None:
        """Serve ``data`` as ``name`` from now on; ``relist=False`` keeps the old LFS sha256 in
        the listing (a server whose listing and bytes disagree)."""
        if not relist and name in self.files:
            self.listed_sha256[name] = hashlib.sha256(self.files[name]).hexdigest()
        self.files[name] = data

    def lfs_sha256(self, name: str) -> str:
        return self.listed_sha256.get(name) or hashlib.sha256(self.files[name]).hexdigest()

    def siblings(self, repo: str | None = None) -> list[dict]:
        out = []
        files = self.files_of(repo or self.repo)
        for name, data in sorted(files.items()):
            entry = {"rfilename": name, "size": len(data), "blobId": git_blob_id(data)}
            if name in LFS_NAMES:
                entry["lfs"] = {"size": len(data), "sha256": self.lfs_sha256(name) if files is self.files
                                else hashlib.sha256(data).hexdigest(),
                                "pointerSize": 134}
            out.append(entry)
        return out

    def start(self) -> "StandInHub":
        self._hub = _serve(_HubHandler, self)
        self._cdn = _serve(_CdnHandler, self)
        return self

    def stop(self) -> None:
        for server in (self._hub, self._cdn):
            server.shutdown()
            server.server_close()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self._hub.server_address[1]}"

    @property
    def cdn(self) -> str:
        return f"http://127.0.0.1:{self._cdn.server_address[1]}"


def _serve(handler: type, hub: StandInHub) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    server.hub = hub  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    @property
    def hub(self) -> StandInHub:
        return self.server.hub  # type: ignore[attr-defined]

    def log_message(self, format, *args) -> None:  # quiet
        pass

    def _log(self) -> None:
        self.hub.requests.append(Request(self.command, self.path, self.headers.get("Range")))

    def _send(self, status: int, headers: dict[str, str], body: bytes = b"") -> None:
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", headers.get("Content-Length", str(len(body))))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _error(self, status: int, code: str, message: str, commit: str | None = None) -> None:
        headers = {"X-Error-Code": code, "X-Error-Message": message,
                   "Content-Type": "application/json"}
        if commit:
            headers["X-Repo-Commit"] = commit
        self._send(status, headers, json.dumps({"error": message}).encode())

    def _body(self, data: bytes, headers: dict[str, str]) -> None:
        """200 with the bytes, or 206 for ``Range: bytes=N-``."""
        rng = re.fullmatch(r"bytes=(\d+)-", self.headers.get("Range", ""))
        if rng and int(rng.group(1)) < len(data):
            start = int(rng.group(1))
            self._send(206, {**headers, "Content-Range": f"bytes {start}-{len(data) - 1}/{len(data)}"},
                       data[start:])
        else:
            self._send(200, headers, data)


class _HubHandler(_Handler):
    def do_GET(self) -> None:
        self._log()
        path = unquote(urlsplit(self.path).path)
        hub = self.hub
        if path == "/api/agent-harnesses":
            return self._send(200, {"Content-Type": "application/json"},
                              b'{"standardEnvVars": [], "harnesses": {}}')
        api = re.fullmatch(r"/api/models/(.+?)(?:/revision/([^/]+))?", path)
        if api:
            repo, rev = api.group(1), api.group(2) or "main"
            if hub.files_of(repo) is None:
                return self._error(404, "RepoNotFound", f"Repository {repo} not found")
            if rev not in ("main", hub.commit):
                return self._error(404, "RevisionNotFound", f"Invalid rev id: {rev}")
            body = {"id": repo, "modelId": repo, "sha": hub.commit,
                    "private": False, "siblings": hub.siblings(repo)}
            return self._send(200, {"Content-Type": "application/json"},
                              json.dumps(body).encode())
        self._resolve(path)

    def do_HEAD(self) -> None:
        self._log()
        self._resolve(unquote(urlsplit(self.path).path))

    def _resolve(self, path: str) -> None:
        hub = self.hub
        m = re.fullmatch(r"/(.+?)/resolve/([^/]+)/(.+)", path)
        files = hub.files_of(m.group(1)) if m else None
        if files is None:
            return self._error(404, "RepoNotFound", f"no route for {path}")
        rev, name = m.group(2), m.group(3)
        if rev not in ("main", hub.commit):
            return self._error(404, "RevisionNotFound", f"Invalid rev id: {rev}")
        if name not in files:
            return self._error(404, "EntryNotFound", f"{name} does not exist", hub.commit)
        data = files[name]
        if name in LFS_NAMES:
            sha = hub.lfs_sha256(name) if files is hub.files else hashlib.sha256(data).hexdigest()
            return self._send(302, {
                "Location": f"{hub.cdn}/lfs/{hashlib.sha256(data).hexdigest()}",
                "X-Repo-Commit": hub.commit, "X-Linked-Etag": f'"{sha}"',
                "X-Linked-Size": str(len(data)), "ETag": f'"{git_blob_id(data)}"'}, b"")
        self._body(data, {"X-Repo-Commit": hub.commit, "ETag": f'"{git_blob_id(data)}"',
                          "Accept-Ranges": "bytes", "Content-Type": "application/octet-stream"})


class _CdnHandler(_Handler):
    def do_GET(self) -> None:
        self._log()
        m = re.fullmatch(r"/lfs/([0-9a-f]{64})", urlsplit(self.path).path)
        every = [self.hub.files, *self.hub.others.values()]
        found = [d for files in every for d in files.values()
                 if m and hashlib.sha256(d).hexdigest() == m.group(1)]
        if not found:
            return self._send(404, {}, b"no such object")
        self._body(found[0], {"ETag": f'"{m.group(1)}"', "Accept-Ranges": "bytes",
                              "Content-Type": "application/octet-stream"})

    do_HEAD = do_GET


class Machine:
    """A fresh machine: empty Hugging Face cache and home, its own pipeline cache (converted
    models shared), network to the stand-in only."""

    def __init__(self, root: Path, hub: StandInHub, ct2: Path) -> None:
        self.root, self.hub = root, hub
        self.hf_cache = root / "hf-cache"
        self.pipeline_cache = root / "pipeline-cache"
        self.pipeline_cache.mkdir(parents=True)
        (self.pipeline_cache / "ct2").symlink_to(ct2, target_is_directory=True)
        self.lock = root / "models.lock"

    def env(self, offline: bool) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if k not in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "PIPELINE_LOCK", "HF_TOKEN")}
        env.update(HF_ENDPOINT=self.hub.endpoint, HF_HUB_CACHE=str(self.hf_cache),
                   HF_HOME=str(self.root / "hf-home"), PIPELINE_CACHE=str(self.pipeline_cache),
                   HF_HUB_DISABLE_PROGRESS_BARS="1", PYTHONWARNINGS="ignore")
        if offline:
            env["HF_HUB_OFFLINE"] = "1"
        return env

    def run(self, *args, offline: bool = False) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "pipeline", *map(str, args)], cwd=ROOT,
                              env=self.env(offline), capture_output=True, text=True, timeout=300)

    def fresh_cache(self) -> None:
        shutil.rmtree(self.hf_cache, ignore_errors=True)
