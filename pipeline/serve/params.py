"""Request parameters: JSON, URL-encoded or multipart bodies, read strictly.

Bodies arrive already bounded (:mod:`pipeline.serve.limits`), are read into memory and parsed
here: nothing is ever spooled to disk. Text must be UTF-8 (a body, a form field, a
percent-escape, a file); anything else is an :class:`ApiError` with status 400, as are
malformed JSON and a JSON body that is not an object.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from ..errors import ApiError

#: Most fields (and files) a form may hold.
MAX_FIELDS = 32


@dataclass(frozen=True)
class Upload:
    """A file of a multipart form, held in memory."""

    filename: str
    data: bytes


@dataclass
class Params:
    """What a request says: its fields (query string first, then the body's), its files, and
    whether the body was JSON (where ``q`` may be a list)."""

    values: dict = field(default_factory=dict)
    files: dict[str, Upload] = field(default_factory=dict)
    is_json: bool = False

    def get(self, name: str, default=None):
        return self.values.get(name, default)


def parse(content_type: str, query: bytes, body: bytes) -> Params:
    """The parameters of a request (``content_type`` its header, ``query`` its raw query
    string). A field given twice keeps its first value, as Flask's ``request.values`` does."""
    params = Params(values=_urlencoded(query, "query string"))
    media, options = _media_type(content_type)
    if media == "application/json" or (media.endswith("+json") and media.startswith("application/")):
        data = _json(body)
        params.is_json = True
        params.values.update(data)
    elif media == "application/x-www-form-urlencoded":
        for k, v in _urlencoded(body, "form").items():
            params.values.setdefault(k, v)
    elif media == "multipart/form-data":
        fields, files = _multipart(body, options.get("boundary", ""))
        for k, v in fields.items():
            params.values.setdefault(k, v)
        params.files = files
    return params


def text_body(body: bytes, what: str = "the request body") -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ApiError(400, f"Invalid request: {what} is not valid UTF-8 (byte 0x{body[exc.start]:02x} "
                       f"at position {exc.start})") from None


def _media_type(header: str) -> tuple[str, dict[str, str]]:
    media, _, rest = header.partition(";")
    options = {}
    for item in rest.split(";"):
        key, eq, value = item.strip().partition("=")
        if eq:
            options[key.strip().lower()] = value.strip().strip('"')
    return media.strip().lower(), options


def _json(body: bytes) -> dict:
    try:
        data = json.loads(text_body(body))
    except ValueError:
        raise ApiError(400, "Invalid JSON format") from None
    if not isinstance(data, dict):
        raise ApiError(400, "Invalid JSON format")
    return data


def _urlencoded(raw: bytes, what: str) -> dict[str, str]:
    try:
        pairs = parse_qsl(text_body(raw, f"the {what}"), keep_blank_values=True,
                          encoding="utf-8", errors="strict", max_num_fields=MAX_FIELDS)
    except UnicodeDecodeError:
        raise ApiError(400, f"Invalid request: the {what} is not valid UTF-8") from None
    except ValueError:
        raise ApiError(400, f"Invalid request: the {what} has more than {MAX_FIELDS} fields") from None
    out: dict[str, str] = {}
    for k, v in pairs:
        out.setdefault(k, v)
    return out


def _multipart(body: bytes, boundary: str) -> tuple[dict[str, str], dict[str, Upload]]:
    """Fields and files of a multipart/form-data body, in memory."""
    from python_multipart.multipart import MultipartParser, parse_options_header

    if not boundary:
        raise ApiError(400, "Invalid request: multipart body without a boundary")
    parts: list[tuple[dict[bytes, bytes], bytearray]] = []
    header: list[bytearray] = [bytearray(), bytearray()]
    current: dict = {}

    def begin() -> None:
        if len(parts) >= MAX_FIELDS:
            raise ApiError(400, f"Invalid request: the form has more than {MAX_FIELDS} fields")
        current.clear()
        current["headers"] = {}
        current["data"] = bytearray()

    def header_end() -> None:
        current["headers"][bytes(header[0]).lower()] = bytes(header[1])
        header[0].clear()
        header[1].clear()

    callbacks = {
        "on_part_begin": begin,
        "on_header_field": lambda d, a, b: header[0].extend(d[a:b]),
        "on_header_value": lambda d, a, b: header[1].extend(d[a:b]),
        "on_header_end": header_end,
        "on_part_data": lambda d, a, b: current["data"].extend(d[a:b]),
        "on_part_end": lambda: parts.append((dict(current["headers"]), current["data"])),
    }
    parser = MultipartParser(boundary, callbacks)
    try:
        parser.write(body)
        parser.finalize()
    except ApiError:
        raise
    except Exception as exc:  # python-multipart's own errors
        raise ApiError(400, f"Invalid request: malformed multipart body ({exc})") from None
    fields: dict[str, str] = {}
    files: dict[str, Upload] = {}
    for headers, data in parts:
        _, opts = parse_options_header(headers.get(b"content-disposition", b""))
        name = text_body(opts.get(b"name", b""), "a field name")
        if b"filename" in opts:
            files.setdefault(name, Upload(text_body(opts[b"filename"], "a file name"), bytes(data)))
        else:
            fields.setdefault(name, text_body(bytes(data), f"the field {name!r}"))
    return fields, files
