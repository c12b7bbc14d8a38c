"""The LibreTranslate-compatible API: ``POST /translate``, ``GET /languages``, ``POST /detect``,
``POST /translate_file`` and ``GET /download_file/NAME``.

Field names, status codes and error messages follow LibreTranslate's, so that its clients
work unchanged. What differs, on purpose: ``format=html`` is refused (400, "html format is not
supported"): the pipeline translates plain text, one record per sentence, and does not rebuild
markup. Only ``.txt`` files are translated. A translated text is the source with each sentence
replaced by its translation, so paragraphs and line breaks are kept.
"""

from __future__ import annotations

import asyncio
import re
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..document import Document
from ..errors import InputError
from .common import check_chars, check_pair, in_thread, read_params, service, translate
from .detect import detect as identify
from .params import ApiError
from .service import NAMES, Service

FILE_SUFFIXES = (".txt",)


def joined(doc: Document, records) -> str:
    """``doc``'s text with each sentence replaced by its translation."""
    out, pos = [], 0
    for r in records:
        out += [doc.text[pos:r.start], r.target]
        pos = r.end
    out.append(doc.text[pos:])
    return "".join(out)


def _missing(name: str) -> ApiError:
    return ApiError(400, f"Invalid request: missing {name} parameter")


async def source_for(svc: Service, source: str, text: str) -> tuple[str, dict | None]:
    """The source language of ``text`` and, for ``auto``, what was detected."""
    if source != "auto":
        return source, None
    if not text.strip():  # nothing to identify (nor to translate), as LibreTranslate says
        return svc.sources[0], {"confidence": 0.0, "language": svc.sources[0]}
    language, confidence = await in_thread(identify, text, svc.languages)
    return language, {"confidence": confidence, "language": language}


async def _translate_one(svc: Service, source: str, target: str, text: str) -> str:
    if not text.strip():
        return text
    pair = check_pair(svc, source, target)
    doc = Document.from_text(text, "<text>")
    return joined(doc, await translate(svc, pair, doc))


async def translate_endpoint(request: Request) -> JSONResponse:
    svc = service(request)
    p = await read_params(request)
    q, source, target = p.get("q"), p.get("source"), p.get("target")
    if not q:
        raise _missing("q")
    if not source:
        raise _missing("source")
    if not target:
        raise _missing("target")
    batch = isinstance(q, list)
    texts = q if batch else [q]
    if not all(isinstance(t, str) for t in texts) or not all(
            isinstance(v, str) for v in (source, target)):
        raise ApiError(400, "Invalid request: q must be a text or a list of texts, source and "
                       "target language codes")
    if not p.is_json:  # a form's line breaks may be CRLF (RFC 2046): counted and kept as LF
        texts = [t.replace("\r\n", "\n").replace("\r", "\n") for t in texts]
    check_chars(svc, texts)
    fmt = p.get("format") or "text"
    if source != "auto":
        check_pair(svc, source, target)
    if fmt != "text":
        raise ApiError(400, f"{fmt} format is not supported")
    found = await asyncio.gather(*(source_for(svc, source, t) for t in texts))
    translated = await asyncio.gather(
        *(_translate_one(svc, src, target, t) for (src, _), t in zip(found, texts)))
    result: dict = {"translatedText": translated if batch else translated[0]}
    if source == "auto":
        detected = [d for _, d in found]
        result["detectedLanguage"] = detected if batch else detected[0]
    return JSONResponse(result)


async def languages_endpoint(request: Request) -> JSONResponse:
    svc = service(request)
    return JSONResponse([{"code": code, "name": NAMES[code], "targets": svc.targets(code)}
                         for code in svc.languages])


async def detect_endpoint(request: Request) -> JSONResponse:
    svc = service(request)
    p = await read_params(request)
    q = p.get("q")
    if not q:
        raise _missing("q")
    if not isinstance(q, str):
        raise ApiError(400, "Invalid request: q must be a text")
    language, confidence = await in_thread(identify, q, None)
    return JSONResponse([{"confidence": confidence, "language": language}])


async def translate_file_endpoint(request: Request) -> JSONResponse:
    svc = service(request)
    p = await read_params(request)
    upload = p.files.get("file")
    if upload is None:
        raise _missing("file")
    source, target = p.get("source"), p.get("target")
    if not source:
        raise _missing("source")
    if not target:
        raise _missing("target")
    if not upload.filename or not upload.data:
        raise ApiError(400, "Invalid request: empty file")
    if not upload.filename.lower().endswith(FILE_SUFFIXES):
        raise ApiError(400, "Invalid request: file format not supported")
    try:
        doc = Document.from_bytes(upload.data, upload.filename, "utf-8")
    except InputError as exc:
        raise ApiError(400, f"Invalid request: {exc}") from None
    check_chars(svc, [doc.text])
    source, _ = await source_for(svc, source, doc.text)
    text = await _translate_one(svc, source, target, doc.text)
    token = svc.files.put(upload.filename, text.encode("utf-8"))
    name = f"{token}.{_safe_name(upload.filename)}"
    return JSONResponse({"translatedFileUrl": str(request.url_for("download_file", name=name))})


async def download_file_endpoint(request: Request) -> Response:
    name = request.path_params["name"]
    found = service(request).files.get(name.split(".", 1)[0])
    if found is None:
        raise ApiError(404, "Invalid filename: no such translated file (they are kept for a "
                       "limited time)")
    filename, data = found
    disposition = (f'attachment; filename="{_safe_name(filename)}"; '
                   f"filename*=UTF-8''{quote(filename, safe='')}")
    return Response(data, media_type="text/plain; charset=utf-8",
                    headers={"Content-Disposition": disposition})


def _safe_name(filename: str) -> str:
    """A file name of ASCII letters, digits, ``._-`` only (the rest as ``_``)."""
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    return re.sub(r"[^A-Za-z0-9._-]", "_", base).lstrip(".") or "translated.txt"
