"""What every record file line shares, whatever its kind: strict JSON on one line, typed and
validated access to its keys, the language codes it names, and a translation's provenance.

:mod:`pipeline.records` (translation records) and :mod:`pipeline.alignment_records` (links
between two documents) build on these, so both kinds are written and read the same way.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from .errors import RecordError
from .provenance import Provenance

HEX64 = re.compile(r"[0-9a-f]{64}")
FLAG = re.compile(r"[a-z][a-z0-9_]*")
#: A language as records name it: an ISO 639-1 code (two letters) or, where a language has
#: none, ISO 639-3 (three).
LANGUAGE = re.compile(r"[a-z]{2,3}")
#: Characters that some JSON-lines readers take as line breaks (``str.splitlines``, JavaScript
#: before ES2019); always written escaped so that one record is one line for every reader.
_LINE_BREAKS = {"\u2028": "\\u2028", "\u2029": "\\u2029", "\x85": "\\u0085"}
_LINE_BREAK_RE = re.compile("[\u2028\u2029\x85]")
_LONE_SURROGATE = re.compile(  # \uD800-\uDBFF not followed by \uDC00-\uDFFF, or the reverse
    r"(?<!\\)(?:\\\\)*(?:\\ud[89ab][0-9a-f]{2}(?!\\ud[c-f][0-9a-f]{2})"
    r"|(?<!\\ud[89ab][0-9a-f]{2})\\ud[c-f][0-9a-f]{2})", re.IGNORECASE)


def dump_json(obj) -> str:
    """Compact, strict JSON on one line for every JSON-lines reader."""
    text = json.dumps(obj, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    if _LINE_BREAK_RE.search(text):
        text = _LINE_BREAK_RE.sub(lambda m: _LINE_BREAKS[m.group()], text)
    return text


def parse_json(line: str):
    """Strict JSON: NaN and Infinity refused, as any other parser would, and so is a lone
    surrogate (``"\\ud800"``: no UTF-8 text can hold it, so nothing could be written back)."""
    if "\\u" in line and _LONE_SURROGATE.search(line):
        raise RecordError("not valid JSON text (a lone surrogate escape)")
    try:
        return json.loads(line, parse_constant=_refuse_constant)
    except RecordError:
        raise
    except (ValueError, RecursionError) as exc:
        raise RecordError(f"not valid JSON ({getattr(exc, 'msg', None) or exc})") from None


def _refuse_constant(name: str):
    raise RecordError(f"not valid JSON ({name} is not a JSON number)")


def provenance_from(data: object) -> Provenance:
    """A :class:`Provenance` from a record's ``provenance`` object, validated."""
    if not isinstance(data, dict) or set(data) - {"pivot"} != {"model", "engine", "splitter",
                                                              "pipeline", "signature"}:
        raise RecordError("provenance must hold exactly model, engine, splitter, pipeline "
                          "and signature (and pivot, for a translation through a pivot)")
    pivot = data.get("pivot", {"lang": "x", "model": {}})
    if not isinstance(pivot, dict) or not isinstance(pivot.get("lang"), str) \
            or not isinstance(pivot.get("model"), dict) \
            or not isinstance(pivot.get("engine", {}), dict):
        raise RecordError("provenance.pivot must name the pivot language, its second model "
                          "and engine")
    model, engine = data["model"], data["engine"]
    if not isinstance(model, dict) or not isinstance(model.get("files"), dict) or not (
            isinstance(model.get("repo"), str) or isinstance(model.get("dir"), str)):
        raise RecordError("provenance.model must name a repo or a dir, and its files")
    if not all(isinstance(k, str) and isinstance(v, str) and HEX64.fullmatch(v)
               for k, v in model["files"].items()):
        raise RecordError("provenance.model.files must map file names to sha256 digests")
    if not isinstance(engine, dict) or not isinstance(engine.get("name"), str) \
            or not isinstance(engine.get("decoding"), dict):
        raise RecordError("provenance.engine must hold a name and its decoding settings")
    for key in ("splitter", "pipeline", "signature"):
        if not isinstance(data[key], str) or not data[key]:
            raise RecordError(f"provenance.{key} must be a non-empty string")
    prov = Provenance.from_dict(data)
    if prov.signature() != data["signature"]:
        raise RecordError(f"provenance.signature {show(data['signature'])} does not match "
                          f"its model and engine ({prov.signature()!r})")
    return prov


class Getter:
    """Typed access to a record's JSON object, after checking it has every required key and
    no unknown one."""

    def __init__(self, data: dict, required: Sequence[str], allowed: frozenset[str]) -> None:
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise RecordError(f"unknown key {unknown[0]!r}")
        missing = [k for k in required if k not in data]
        if missing:
            raise RecordError(f"lacks {', '.join(missing)}")
        self.data = data

    def int(self, key: str) -> int:
        return count(self.data[key], key)

    def str(self, key: str, empty: bool = False) -> str:
        value = self.data[key]
        if not isinstance(value, str) or (not empty and not value):
            raise RecordError(f"{key} must be a {'' if empty else 'non-empty '}string, got "
                              f"{show(value)}")
        return value

    def language(self, key: str) -> str:
        """A language code (``"de"``, ``"zh"``): lower-case ISO 639-1, or 639-3."""
        value = self.data[key]
        if not isinstance(value, str) or not LANGUAGE.fullmatch(value):
            raise RecordError(f"{key} must be a lower-case ISO 639 language code such as "
                              f"\"de\", got {show(value)}")
        return value

    def flags(self, key: str = "flags") -> tuple[str, ...]:
        """A list of distinct lower-case flag names."""
        flags = self.data[key]
        if not isinstance(flags, list) or not all(isinstance(f, str) and FLAG.fullmatch(f)
                                                  for f in flags):
            raise RecordError(f"{key} must be a list of lower-case names")
        if len(set(flags)) != len(flags):
            raise RecordError(f"{key} repeat a name")
        return tuple(flags)

    def fingerprint(self) -> str:
        fingerprint = self.str("fingerprint", empty=True)
        if fingerprint and not HEX64.fullmatch(fingerprint):
            raise RecordError("fingerprint must be 64 lower-case hex digits or empty")
        return fingerprint

    def sha256(self, key: str) -> str:
        value = self.str(key)
        if not HEX64.fullmatch(value):
            raise RecordError(f"{key} must be 64 lower-case hex digits")
        return value


def is_count(value) -> bool:
    return type(value) is int and value >= 0


def count(value, key: str) -> int:
    if not is_count(value):
        raise RecordError(f"{key} must be a non-negative integer, got {show(value)}")
    return value


def show(value) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
