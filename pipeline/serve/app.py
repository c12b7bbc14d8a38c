"""The web application: the page, the records endpoint and the LibreTranslate-compatible API,
and :func:`serve`, which runs it under uvicorn.

``POST /v1/translate`` takes the article's bytes as its body (as ``pipeline translate -`` takes
standard input) and answers what that command writes for the same text and settings: the
records (JSONL) by default, or ``?format=tsv|tmx|html``, or ``?format=all`` (a JSON object of
every one, which the page uses). Its other query parameters: ``source`` (``de``, or ``auto``),
``target`` (``en``), ``encoding`` (``utf-8``, ``cp1252``, ``auto``), ``name`` (the path the
records give the text; default ``<stdin>``), ``api_key``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePath

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from .. import formats
from ..document import Document
from ..errors import InputError
from . import libre, page, params
from .common import check_chars, check_pair, error_response, in_thread, read_body, require_key, service, translate
from .params import ApiError
from .service import Service

#: ``/v1/translate``'s formats (the one-file formats of ``pipeline translate -``).
FORMATS = ("jsonl", "tsv", "tmx", "html")
MEDIA_TYPES = {"jsonl": "application/x-ndjson", "tsv": "text/tab-separated-values",
               "tmx": "application/x-tmx+xml", "html": "text/html"}
ENCODINGS = ("utf-8", "cp1252", "auto")
SECURITY_HEADERS = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"),
                    (b"x-frame-options", b"DENY")]


async def v1_translate(request: Request) -> Response:
    svc = service(request)
    q = params.parse("", request.scope.get("query_string", b""), b"")
    require_key(request, q.get("api_key"))
    fmt = q.get("format", "jsonl")
    if fmt not in (*FORMATS, "all"):
        raise ApiError(400, f"{fmt} format is not supported; choose one of: "
                       f"{', '.join(FORMATS)}, all")
    encoding = q.get("encoding", "utf-8")
    if encoding not in ENCODINGS:
        raise ApiError(400, f"unknown encoding {encoding!r}; choose one of: {', '.join(ENCODINGS)}")
    name = q.get("name") or "<stdin>"
    stem = "stdin" if name == "<stdin>" else (PurePath(name.replace("\\", "/")).stem or "article")
    body = await read_body(request)
    try:
        doc = Document.from_bytes(body, name, encoding)
    except InputError as exc:
        raise ApiError(400, f"Invalid request: {exc}") from None
    check_chars(svc, [doc.text])
    source, detected = await libre.source_for(svc, q.get("source", "de"), doc.text)
    pair = check_pair(svc, source, q.get("target", "en"))
    records = await translate(svc, pair, doc)
    if fmt == "all":
        files = await in_thread(_render_all, records, stem)
        return JSONResponse({"stem": stem, "sentences": len(records), "files": files,
                             "detectedLanguage": detected})
    ((filename, text),) = (await in_thread(formats.render, fmt, records, stem)).items()
    return Response(text, media_type=f"{MEDIA_TYPES[fmt]}; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{_ascii(filename)}"'})


def _render_all(records: list, stem: str) -> dict:
    return {fmt: {"name": name, "type": MEDIA_TYPES[fmt], "text": text}
            for fmt in FORMATS for name, text in formats.render(fmt, records, stem).items()}


def _ascii(name: str) -> str:
    return "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in name)


async def index(request: Request) -> HTMLResponse:
    svc = service(request)
    html, csp = page.render(svc)
    return HTMLResponse(html, headers={"Content-Security-Policy": csp})


async def health(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def _http_error(request: Request, exc: HTTPException) -> Response:
    return JSONResponse({"error": exc.detail}, status_code=exc.status_code, headers=exc.headers)


async def _internal_error(request: Request, exc: Exception) -> Response:
    return JSONResponse({"error": f"Internal error: {type(exc).__name__}"}, status_code=500)


def _with_headers(app: Callable) -> Callable:
    """``app`` with the security headers on every HTTP answer."""
    async def wrapped(scope, receive, send):
        if scope["type"] != "http":
            return await app(scope, receive, send)

        async def sending(message):
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + SECURITY_HEADERS
            await send(message)
        await app(scope, receive, sending)
    return wrapped


def create_app(svc: Service) -> Callable:
    """The ASGI application over a started :class:`Service`."""
    routes = [
        Route("/", index, methods=["GET"]),
        Route("/health", health, methods=["GET"]),
        Route("/v1/translate", v1_translate, methods=["POST"]),
        Route("/translate", libre.translate_endpoint, methods=["POST"]),
        Route("/languages", libre.languages_endpoint, methods=["GET"]),
        Route("/detect", libre.detect_endpoint, methods=["POST"]),
        Route("/translate_file", libre.translate_file_endpoint, methods=["POST"]),
        Route("/download_file/{name}", libre.download_file_endpoint, methods=["GET"],
              name="download_file"),
    ]
    middleware = []
    if svc.settings.cors:
        middleware.append(Middleware(CORSMiddleware, allow_origins=list(svc.settings.cors),
                                     allow_methods=["GET", "POST"],
                                     allow_headers=["Content-Type", "Authorization"]))
    app = Starlette(routes=routes, middleware=middleware, exception_handlers={
        ApiError: error_response, HTTPException: _http_error, Exception: _internal_error})
    app.state.service = svc
    return _with_headers(app)


def serve(settings, *, host: str = "127.0.0.1", port: int = 5000,
          report: Callable[[str], None] = print, graceful_s: float = 120.0) -> None:
    """Load the models, then serve until SIGINT or SIGTERM; requests in flight are finished
    (for up to ``graceful_s`` seconds) before the models are released. ``report`` gets
    ``serving on URL`` once the server listens."""
    import contextlib
    import signal
    import threading

    import uvicorn

    class Server(uvicorn.Server):
        @contextlib.contextmanager
        def capture_signals(self):
            """SIGINT and SIGTERM stop the server gracefully, and :func:`serve` then returns
            (uvicorn's own would raise the signal again once it has stopped, and the process
            would die before the models are released)."""
            if threading.current_thread() is not threading.main_thread():
                yield
                return
            saved = {sig: signal.signal(sig, self.handle_exit)
                     for sig in (signal.SIGINT, signal.SIGTERM)}
            try:
                yield
            finally:
                for sig, handler in saved.items():
                    signal.signal(sig, handler)

        async def startup(self, sockets=None) -> None:
            await super().startup(sockets)
            if self.started:
                bound = self.servers[0].sockets[0].getsockname()
                shown = f"[{bound[0]}]" if ":" in bound[0] else bound[0]
                report(f"serving on http://{shown}:{bound[1]} (Ctrl+C to stop)")

    sock = listen(host, port)  # before the model loads: a port in use fails at once
    try:
        svc = Service(settings).start()
        try:
            config = uvicorn.Config(create_app(svc), log_level="warning", lifespan="off",
                                    timeout_graceful_shutdown=graceful_s, server_header=False)
            Server(config).run(sockets=[sock])
        finally:
            svc.close()
    finally:
        sock.close()
    report("stopped")


def listen(host: str, port: int):
    """A socket bound to ``host:port``; an :class:`OSError` that names them when it cannot be."""
    import socket

    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
        sock = socket.socket(family, kind, proto)
    except OSError as exc:
        raise OSError(exc.errno, f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError as exc:
        sock.close()
        raise OSError(exc.errno, f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    return sock
