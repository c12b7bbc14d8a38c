"""What every endpoint does: read the body within the limit, check the API key, translate a
document through the pair's batcher, answer errors as ``{"error": "..."}``."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from starlette.requests import Request
from starlette.responses import JSONResponse

from ..document import Document
from ..errors import InputError
from . import params
from .params import ApiError, Params
from .service import NAMES, Service


def service(request: Request) -> Service:
    return request.app.state.service


async def read_body(request: Request) -> bytes:
    """The body, refused with 413 before it is read when its Content-Length says it is too
    large, or as soon as more than the limit has arrived (a chunked body)."""
    limit = service(request).settings.max_body_bytes
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise ApiError(400, "Invalid request: bad Content-Length")
        if int(declared) > limit:
            raise _too_large(int(declared), limit)
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise _too_large(None, limit)
    return bytes(body)


def _too_large(size: int | None, limit: int) -> ApiError:
    said = f" ({size:,} bytes)" if size is not None else ""
    return ApiError(413, f"Invalid request: the request body{said} exceeds the limit of "
                    f"{limit:,} bytes")


async def read_params(request: Request) -> Params:
    body = await read_body(request)
    got = params.parse(request.headers.get("content-type", ""), request.scope.get("query_string", b""),
                       body)
    require_key(request, got.get("api_key"))
    return got


def require_key(request: Request, key: object) -> None:
    """403 unless the server is open or ``key`` (or the ``Authorization: Bearer`` header) is
    one of its keys."""
    svc = service(request)
    if svc.settings.api_keys is None:
        return
    if key is None:
        auth = request.headers.get("authorization", "")
        key = auth[7:].strip() if auth[:7].lower() == "bearer " else None
    if key is None or key == "":
        raise ApiError(403, "Invalid request: this server requires an API key (api_key)")
    if not svc.key_ok(key):
        raise ApiError(403, "Invalid API key")


def check_pair(svc: Service, source: str, target: str) -> tuple[str, str]:
    """``(source, target)`` when the server translates it; else a 400 that says why, in
    LibreTranslate's words."""
    for code in (source, target):
        if code not in svc.languages:
            raise ApiError(400, f"{code} is not supported")
    if target not in svc.targets(source):
        raise ApiError(400, f"{NAMES[target]} ({target}) is not available as a target language "
                       f"from {NAMES[source]} ({source})")
    return source, target


def check_chars(svc: Service, texts: Sequence[str]) -> None:
    limit = svc.settings.char_limit
    for text in texts:
        if limit != -1 and len(text) > limit:
            raise ApiError(400, f"Invalid request: request ({len(text)}) exceeds text limit ({limit})")


async def translate(svc: Service, pair: tuple[str, str], doc: Document,
                    doc_path: str | None = None) -> list:
    """The records of ``doc``: 400 when a sentence is refused, 500 when the engine fails."""
    try:
        return await svc.batchers[pair].translate(doc, doc_path)
    except InputError as exc:
        raise ApiError(400, f"Invalid request: {exc}") from None
    except Exception as exc:  # the engine failed: this request's answer, not the server's end
        raise ApiError(500, f"Cannot translate text: {exc}") from None


async def in_thread(func, *args):
    """``func(*args)`` off the event loop (identification, rendering a long document)."""
    return await asyncio.to_thread(func, *args)


def error_response(request: Request, exc: ApiError) -> JSONResponse:
    return JSONResponse({"error": exc.message}, status_code=exc.status)
