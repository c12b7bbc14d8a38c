"""Check what lies next to a record file against the records: every side format present
(same pairs, same order, same provenance where the format holds it) and ``manifest.json``
(agrees with the records, the inputs and the model). The first disagreement is a
:class:`VerificationError` naming the file and the pair or field."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .. import manifest as manifest_mod
from ..errors import VerificationError
from ..formats import html, moses, tmx, tsv


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise VerificationError(f"{path}: not UTF-8 at byte {exc.start}") from None


def _short(text: str) -> str:
    return repr(text if len(text) <= 60 else text[:57] + "...")


def _compare_pairs(path: Path, got: list[tuple[str, str]], want: list[tuple[str, str]],
                   what: str = "pair", target_path: Path | None = None, offset: int = 0) -> None:
    """The first pair that differs, named in the file that holds the differing side
    (``target_path`` holds the English when it is a file of its own, as in Moses)."""
    for n, (g, w) in enumerate(zip(got, want), 1 + offset):
        if g[0] != w[0]:
            raise VerificationError(f"{path}: {what} {n}: German is {_short(g[0])}, the records "
                                    f"say {_short(w[0])}")
        if g[1] != w[1]:
            raise VerificationError(f"{target_path or path}: {what} {n}: English is "
                                    f"{_short(g[1])}, the records say {_short(w[1])}")
    if len(got) != len(want) and not offset:
        raise VerificationError(f"{path}: holds {len(got)} pairs, the records {len(want)}: pairs "
                                "are missing or extra")


def check_tsv(path: Path, records: list) -> None:
    _compare_pairs(path, tsv.parse(_read(path)), [(r.source, r.target) for r in records], "line")


def check_moses(path: Path, records: list) -> None:
    """``path`` is the source side (``.de`` for German records); its target side (``.en``)
    must be there too."""
    from ..records import pair_of

    source_suffix, target_suffix = moses.suffixes(pair_of(records))
    de = path.with_suffix(source_suffix)
    en = path.with_suffix(target_suffix)
    for side in (de, en):
        if not side.is_file():
            raise VerificationError(f"{side}: missing, but its partner "
                                    f"{(en if side == de else de).name} is there")
    de_lines, en_lines = moses.parse_side(_read(de)), moses.parse_side(_read(en))
    if len(de_lines) != len(en_lines):
        raise VerificationError(f"{de}: {len(de_lines)} lines but {en.name} has "
                                f"{len(en_lines)}: not line-aligned")
    _compare_pairs(de, list(zip(de_lines, en_lines)), moses.expected_pairs(records), "line", en)


def check_tmx(path: Path, records: list) -> None:
    """The TMX holds exactly the records (those with both sides, for an alignment), read a
    ``<tu>`` at a time."""
    from ..formats import one_sided

    want = [r for r in records if not one_sided(r)]
    n = 0
    with open(path, "rb") as f:
        try:
            for n, got in enumerate(tmx.iter_records(f), 1):
                if n > len(want):
                    raise VerificationError(f"{path}: holds more than the {len(want)} <tu> the "
                                            "records have")
                _compare_pairs(path, [(got.source, got.target)],
                               [(want[n - 1].source, want[n - 1].target)], "<tu>", offset=n - 1)
                _compare_records(path, [got], [want[n - 1]], "<tu>", offset=n - 1)
        except VerificationError as exc:
            if str(exc).startswith(str(path)):
                raise
            raise VerificationError(f"{path}: {exc}") from None
    if n != len(want):
        raise VerificationError(f"{path}: holds {n} pairs, the records {len(want)}: pairs are "
                                "missing or extra")


def check_html(path: Path, records: list) -> None:
    try:
        pairs, back = html.parse(_read(path))
    except VerificationError as exc:
        raise VerificationError(f"{path}: {exc}") from None
    want = [(html.display_text(r.source), html.display_text(r.target)) for r in records]
    _compare_pairs(path, pairs, want, "pair")
    _compare_records(path, back, records, "pair", skip=("source", "target"))


def _compare_records(path: Path, got: list, want: list, what: str,
                     skip: tuple[str, ...] = (), offset: int = 0) -> None:
    """Every key of every record read back from a format equals the record's own."""
    for n, (g, w) in enumerate(zip(got, want), 1 + offset):
        gd, wd = g.to_dict(), w.to_dict()
        for key in sorted((set(gd) | set(wd)) - set(skip)):
            if gd.get(key, "<absent>") != wd.get(key, "<absent>"):
                raise VerificationError(f"{path}: {what} {n}: {key} is "
                                        f"{_short(str(gd.get(key)))}, the records say "
                                        f"{_short(str(wd.get(key)))}")


#: Side format -> checker (Moses is checked once, through its source side).
CHECKS: dict[str, Callable[[Path, list], None]] = {
    tsv.NAME: check_tsv,
    moses.NAME: check_moses,
    tmx.NAME: check_tmx,
    html.NAME: check_html,
}


def verify_side_outputs(jsonl_path: str | Path, records: list,
                        lock_path: str | Path | None = None) -> list[Path]:
    """Check every side format present next to ``jsonl_path`` (the files of the records'
    languages) and the directory's manifest (if any). Returns the files checked."""
    from ..formats import filenames
    from ..records import pair_of

    p = Path(jsonl_path)
    checked: list[Path] = []
    names = filenames(p.stem, pair_of(records))
    for fmt, check in CHECKS.items():
        present = [p.parent / name for name in names[fmt] if (p.parent / name).is_file()]
        if not present:
            continue
        check(p.parent / names[fmt][0], records)
        checked.extend(present)
    m = manifest_mod.read(p.parent)
    if m is not None:
        check_manifest(p, records, m, lock_path)
        checked.append(p.parent / manifest_mod.FILENAME)
    return checked


def check_manifest(jsonl_path: Path, records: list, m: dict,
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
    fresh = manifest_mod.document_entry(jsonl_path, manifest_mod.document_facts(records),
                                        entry.get("status", ""))
    for key in ("source", "source_sha256", "encoding", "fingerprint", "signature",
                "records_sha256", "sentences", "kinds", "flags", "partner", "partner_sha256"):
        if entry.get(key) != fresh.get(key):
            raise VerificationError(f"{where} {key} is {_short(str(entry.get(key)))}, the record "
                                    f"file gives {_short(str(fresh.get(key)))}")
    outputs = entry.get("outputs")
    for filename, digest in (outputs.items() if isinstance(outputs, dict) else ()):
        f = jsonl_path.parent / filename
        if not f.is_file():
            raise VerificationError(f"{where} lists output {filename}, which is missing")
        if fresh["outputs"].get(filename) != digest:
            raise VerificationError(f"{where} output {filename} has sha256 "
                                    f"{str(fresh['outputs'].get(filename))[:12]}…, the manifest "
                                    f"says {str(digest)[:12]}…")
    inputs = m.get("inputs")
    for item in inputs if isinstance(inputs, list) else ():
        if isinstance(item, dict) and item.get("path") == fresh["source"] \
                and item.get("doc_id") == fresh.get("doc_id") \
                and item.get("status") != "failed" and item.get("sha256") != fresh["source_sha256"]:
            raise VerificationError(f"{mpath}: input {item.get('path')} has sha256 "
                                    f"{str(item.get('sha256'))[:12]}…, the records say "
                                    f"{fresh['source_sha256'][:12]}…")
    runs = m.get("runs") if isinstance(m.get("runs"), dict) else {}
    provenance = first.provenance if isinstance(first.provenance, dict) or first.provenance is None \
        else first.provenance.to_dict()
    if runs.get(first.fingerprint) != provenance:
        raise VerificationError(f"{mpath}: its runs entry for {jsonl_path.name}'s fingerprint "
                                f"{first.fingerprint[:12]}… differs from the record file's "
                                "provenance: the manifest names the wrong run")
    if entry.get("status") in (manifest_mod.TRANSLATED, manifest_mod.UP_TO_DATE) \
            and not hasattr(first, "link"):  # an alignment's model is in its provenance
        _check_run_model(mpath, jsonl_path, _run_model(m, first.provenance.model),
                         first.provenance.model, lock_path)


def _run_model(m: dict, recorded: dict):
    """The manifest's model for a record file: the run's one model, or (a routed run, whose
    ``models`` are by pair) the one that names the model the records name."""
    if "model" in m or not isinstance(m.get("models"), dict):
        return m.get("model")
    for header in m["models"].values():
        model = header.get("model") if isinstance(header, dict) else None
        if isinstance(model, dict) and {k: v for k, v in model.items()
                                        if k not in ("lock", "lock_digest")} == recorded:
            return model
    return None


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
    if model.get("lock_digest") and model.get("repo"):
        from ..lock import default_lock_path, pin_of_repo

        lock_path = Path(lock_path) if lock_path is not None else default_lock_path()
        actual = pin_of_repo(lock_path, model["repo"]).digest()
        if actual != model["lock_digest"]:
            raise VerificationError(f"{mpath}: names models.lock digest "
                                    f"{str(model['lock_digest'])[:12]}…, {lock_path} has "
                                    f"{actual[:12]}…")
