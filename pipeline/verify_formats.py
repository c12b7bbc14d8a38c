"""Check what lies next to a record file against the records: every side format present
(same pairs, same order, same provenance where the format holds it) and ``manifest.json``
(agrees with the records, the inputs and the model). The first disagreement is a
:class:`VerificationError` naming the file and the pair or field."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from . import manifest as manifest_mod
from .errors import VerificationError
from .formats import html, moses, tmx, tsv


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise VerificationError(f"{path}: not UTF-8 at byte {exc.start}") from None


def _short(text: str) -> str:
    return repr(text if len(text) <= 60 else text[:57] + "...")


def _compare_pairs(path: Path, got: list[tuple[str, str]], want: list[tuple[str, str]],
                   what: str = "pair") -> None:
    for n, (g, w) in enumerate(zip(got, want), 1):
        if g[0] != w[0]:
            raise VerificationError(f"{path}: {what} {n}: German is {_short(g[0])}, the records "
                                    f"say {_short(w[0])}")
        if g[1] != w[1]:
            raise VerificationError(f"{path}: {what} {n}: English is {_short(g[1])}, the records "
                                    f"say {_short(w[1])}")
    if len(got) != len(want):
        raise VerificationError(f"{path}: holds {len(got)} pairs, the records {len(want)}: pairs "
                                "are missing or extra")


def check_tsv(path: Path, records: list[dict]) -> None:
    _compare_pairs(path, tsv.parse(_read(path)), [(r["source"], r["target"]) for r in records],
                   "line")


def check_moses(path: Path, records: list[dict]) -> None:
    """``path`` is the ``.de`` file; its ``.en`` partner must be there too."""
    de = path.with_suffix(moses.SOURCE_SUFFIX)
    en = path.with_suffix(moses.TARGET_SUFFIX)
    for side in (de, en):
        if not side.is_file():
            raise VerificationError(f"{side}: missing, but its partner "
                                    f"{(en if side == de else de).name} is there")
    got = list(zip(moses.parse_side(_read(de)), moses.parse_side(_read(en))))
    n_de, n_en = len(moses.parse_side(_read(de))), len(moses.parse_side(_read(en)))
    if n_de != n_en:
        raise VerificationError(f"{de}: {n_de} lines but {en.name} has {n_en}: not line-aligned")
    _compare_pairs(de, got, moses.expected_pairs(records), "line")


def check_tmx(path: Path, records: list[dict]) -> None:
    try:
        back = tmx.parse(_read(path))
    except VerificationError as exc:
        raise VerificationError(f"{path}: {exc}") from None
    _compare_pairs(path, [(r["source"], r["target"]) for r in back],
                   [(r["source"], r["target"]) for r in records], "<tu>")
    for n, (got, want) in enumerate(zip(back, records), 1):
        for key in sorted(set(got) | set(want)):
            if got.get(key, "<absent>") != want.get(key, "<absent>"):
                raise VerificationError(f"{path}: <tu> {n}: {key} is {_short(str(got.get(key)))}, "
                                        f"the records say {_short(str(want.get(key)))}")


def check_html(path: Path, records: list[dict]) -> None:
    try:
        pairs, back = html.parse(_read(path))
    except VerificationError as exc:
        raise VerificationError(f"{path}: {exc}") from None
    want = [(html.display_text(r["source"]), html.display_text(r["target"])) for r in records]
    _compare_pairs(path, pairs, want, "pair")
    for n, (got, r) in enumerate(zip(back, records), 1):
        for key in sorted((set(got) | set(r)) - {"source", "target"}):
            if got.get(key, "<absent>") != r.get(key, "<absent>"):
                raise VerificationError(f"{path}: pair {n}: its provenance says {key} is "
                                        f"{_short(str(got.get(key)))}, the records say "
                                        f"{_short(str(r.get(key)))}")


#: Side file suffix -> checker. Moses is checked once, through its ``.de`` file.
CHECKS: dict[str, Callable[[Path, list[dict]], None]] = {
    tsv.SUFFIX: check_tsv,
    moses.SOURCE_SUFFIX: check_moses,
    moses.TARGET_SUFFIX: check_moses,
    tmx.SUFFIX: check_tmx,
    html.SUFFIX: check_html,
}


def verify_side_outputs(jsonl_path: str | Path, records: list[dict],
                        lock_path: str | Path | None = None) -> list[Path]:
    """Check every side format present next to ``jsonl_path`` and the directory's manifest
    (if any). Returns the files checked."""
    p = Path(jsonl_path)
    checked: list[Path] = []
    done_moses = False
    for suffix, check in CHECKS.items():
        f = p.with_suffix(suffix)
        if not f.is_file():
            continue
        if check is check_moses:
            if done_moses:
                continue
            done_moses = True
        check(f, records)
        checked.append(f)
    m = manifest_mod.read(p.parent)
    if m is not None:
        check_manifest(p, records, m, lock_path)
        checked.append(p.parent / manifest_mod.FILENAME)
    return checked


def check_manifest(jsonl_path: Path, records: list[dict], m: dict,
                   lock_path: str | Path | None = None) -> None:
    """The manifest's word on ``jsonl_path`` agrees with its records, its source file, the
    other outputs and the model."""
    mpath = jsonl_path.parent / manifest_mod.FILENAME
    entry = next((d for d in m["documents"] if isinstance(d, dict)
                  and d.get("records") == jsonl_path.name), None)
    if entry is None:
        raise VerificationError(f"{mpath}: does not list {jsonl_path.name}; re-run "
                                "`pipeline translate` (or `pipeline export`) to refresh it")
    first = records[0]
    where = f"{mpath}: {jsonl_path.name}:"
    fresh = manifest_mod.document_entry(jsonl_path, records, entry.get("status", ""))
    checks = [("source", "doc_path"), ("source_sha256", "doc_sha256"), ("encoding", "doc_encoding"),
              ("model", "model"), ("engine", "engine"), ("splitter", "splitter"),
              ("pipeline", "pipeline")]
    for key, rkey in checks:
        if entry.get(key) != first.get(rkey):
            raise VerificationError(f"{where} {key} is {_short(str(entry.get(key)))}, the records "
                                    f"say {_short(str(first.get(rkey)))}")
    for key in ("records_sha256", "sentences", "kinds", "flags"):
        if entry.get(key) != fresh[key]:
            raise VerificationError(f"{where} {key} is {entry.get(key)!r}, the record file gives "
                                    f"{fresh[key]!r}")
    for filename, digest in (entry.get("outputs") or {}).items():
        f = jsonl_path.parent / filename
        if not f.is_file():
            raise VerificationError(f"{where} lists output {filename}, which is missing")
        if fresh["outputs"].get(filename) != digest:
            raise VerificationError(f"{where} output {filename} has sha256 "
                                    f"{str(fresh['outputs'].get(filename))[:12]}…, the manifest "
                                    f"says {str(digest)[:12]}…")
    for item in m.get("inputs") or []:
        if isinstance(item, dict) and item.get("path") == first.get("doc_path") \
                and item.get("status") != "failed" and item.get("sha256") != first.get("doc_sha256"):
            raise VerificationError(f"{mpath}: input {item.get('path')} has sha256 "
                                    f"{str(item.get('sha256'))[:12]}…, the records say "
                                    f"{str(first.get('doc_sha256'))[:12]}…")
    if entry.get("status") in (manifest_mod.TRANSLATED, manifest_mod.UP_TO_DATE):
        _check_run_model(mpath, jsonl_path, m.get("model"), first.get("model"), lock_path)


def _check_run_model(mpath: Path, jsonl_path: Path, model, recorded, lock_path) -> None:
    if not isinstance(model, dict):
        raise VerificationError(f"{mpath}: names no model for the run that wrote "
                                f"{jsonl_path.name}")
    named = {k: v for k, v in model.items() if k not in ("lock", "lock_digest")}
    if named != recorded:
        diff = sorted(k for k in set(named) | set(recorded or {})
                      if named.get(k) != (recorded or {}).get(k))
        raise VerificationError(f"{mpath}: the run's model differs from the one in "
                                f"{jsonl_path.name} ({', '.join(diff)}): the manifest names the "
                                "wrong model")
    if model.get("lock_digest") and lock_path is not None and model.get("repo"):
        from .lock import read_lock

        actual = read_lock(lock_path).digest()
        if actual != model["lock_digest"]:
            raise VerificationError(f"{mpath}: names models.lock digest "
                                    f"{model['lock_digest'][:12]}…, {lock_path} has "
                                    f"{actual[:12]}…")
