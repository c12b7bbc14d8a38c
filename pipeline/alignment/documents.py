"""Aligning documents: a German article and its existing English version in, alignment records
(and every output format) out.

Both sides are split with offsets (:mod:`pipeline.segment`), the German sentences are machine
translated with the pinned engine (the translation memory applies) unless ``mt=False``, and
:func:`pipeline.alignment.align_document` links them. One
:class:`~pipeline.records.AlignmentRecord` per link; every German and every English sentence
is in exactly one link. :func:`align_files` is what ``pipeline align`` and ``make align`` do:
incremental (a pair whose records name the same two sources and settings is skipped), atomic,
one bad pair reported in one line while the others go on.
"""

from __future__ import annotations

import hashlib
import json
import os
from bisect import bisect_right
from collections.abc import Callable, Sequence
from pathlib import Path

from .._version import __version__
from ..document import Document, Sentence, line_starts
from ..errors import InputError, PipelineError
from ..flags import LOW_SIMILARITY, UNALIGNED
from ..records import AlignmentRecord
from .aligner import ALIGNER, align_document, resolve_params
from .lexicon import identity as lexicon_identity

Report = Callable[[str], None]


def _side(doc: Document, sentences: list[Sentence], indices: tuple[int, ...]):
    spans = tuple((sentences[i].start, sentences[i].end) for i in indices)
    text = doc.text[spans[0][0]:spans[-1][1]] if spans else ""
    return spans, text


def alignment_fingerprint(translator=None, src_lang: str = "de", tgt_lang: str = "en",
                          **params) -> str:
    """Identity of an alignment's settings, known before aligning: aligner and its parameters,
    the pair's word list (:mod:`.lexicon`, where it has one and it is on), both splitters,
    the translation run (its fingerprint, or none), the pipeline version."""
    from ..segment import splitter

    p = resolve_params(**params)
    words = (lexicon_identity(src_lang, tgt_lang) or lexicon_identity(tgt_lang, src_lang)) \
        if p.lexicon else None
    blob = json.dumps({"aligner": ALIGNER, "params": p.as_dict(),
                       **({"lexicon": words} if words else {}),
                       "splitters": {src_lang: splitter(src_lang).name,
                                     tgt_lang: splitter(tgt_lang).name},
                       "translation": None if translator is None else translator.fingerprint,
                       "pipeline": __version__}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


def align_documents(de: Document, en: Document, *, translator=None,
                    de_path: str | None = None, en_path: str | None = None,
                    src_lang: str = "de", tgt_lang: str = "en",
                    **params) -> list[AlignmentRecord]:
    """The alignment records of German ``de`` and English ``en``. With a
    :class:`pipeline.Translator`, the German sentences are machine translated first and the
    aligner compares those translations with the English; without, it aligns on lengths and
    on what the languages share (names, numbers). ``src_lang`` and ``tgt_lang`` name the
    languages of ``de`` and ``en`` (any pair with a splitter for each side)."""
    from ..segment import splitter

    de_splitter, en_splitter = splitter(src_lang), splitter(tgt_lang)
    de_sents, en_sents = de_splitter.split(de.text), en_splitter.split(en.text)
    if not de_sents or not en_sents:
        empty = de if not de_sents else en
        raise InputError(f"{empty.path}: holds no sentence to align")
    mt = None
    translation = None
    if translator is not None:
        (records,) = translator.translate_documents([(de, de_sents)])
        if isinstance(records, InputError):
            raise records
        mt = [r.target for r in records]
        translation = translator.provenance.to_dict()
    result = align_document([de.slice(s) for s in de_sents], [en.slice(s) for s in en_sents],
                            mt, src_lang, tgt_lang, **params)
    splitters = {src_lang: de_splitter.name, tgt_lang: en_splitter.name}
    fingerprint = alignment_fingerprint(translator, src_lang, tgt_lang, **params)
    signature = "|".join([f"align:{ALIGNER}",
                          "mt:" + (translator.provenance.signature() if translator else "none"),
                          f"split:{de_splitter.name}+{en_splitter.name}",
                          f"pipeline:{__version__}"])
    provenance = {"aligner": result.provenance(), "splitters": splitters,
                  "translation": translation, "pipeline": __version__, "signature": signature}
    base = result.estimates.base
    de_lines, en_lines = line_starts(de.text), line_starts(en.text)
    out = []
    for n, link in enumerate(result.links):
        de_spans, source = _side(de, de_sents, link.de)
        en_spans, target = _side(en, en_sents, link.en)
        if link.de:
            first = de_sents[link.de[0]]
            paragraph, line = first.paragraph, bisect_right(de_lines, first.start) - 1
        else:
            first = en_sents[link.en[0]]
            paragraph, line = first.paragraph, bisect_right(en_lines, first.start) - 1
        flags = []
        if not link.de or not link.en:
            flags.append(UNALIGNED)
        elif link.similarity <= base:
            flags.append(LOW_SIMILARITY)  # no more alike than unrelated sentences
        out.append(AlignmentRecord(
            de_path=de.path if de_path is None else de_path, de_sha256=de.sha256,
            de_encoding=de.encoding, en_path=en.path if en_path is None else en_path,
            en_sha256=en.sha256, en_encoding=en.encoding, index=n, de=link.de, en=link.en,
            de_spans=de_spans, en_spans=en_spans, paragraph=paragraph, line=line,
            source=source, target=target, similarity=min(1.0, max(0.0, link.similarity)),
            mt=None if mt is None or not link.de else " ".join(
                mt[i].strip() for i in link.de if mt[i].strip()),
            flags=tuple(flags), fingerprint=fingerprint,
            provenance=provenance if n == 0 else None, src_lang=src_lang, tgt_lang=tgt_lang))
    return out


def collect_pairs(inputs: Sequence[str | Path], src_lang: str = "de", tgt_lang: str = "en",
                  note: Report | None = None,
                  ) -> tuple[list[tuple[Path, Path, str]], list[tuple[Path, str]]]:
    """(source file, target file, output stem) pairs from either two files (``SRC TGT``) or
    directories of ``NAME.<src_lang>.txt`` / ``NAME.<tgt_lang>.txt`` (hidden files left out,
    ``note`` told); and the files without a partner, each with why (reported, never silently
    dropped). Two pairs of one name (from two directories) would write the same outputs: an
    :class:`InputError`."""
    from ..outputs import walk

    paths = [Path(p) for p in inputs]
    src_suffix, tgt_suffix = f".{src_lang}.txt", f".{tgt_lang}.txt"
    if len(paths) == 2 and all(p.is_file() for p in paths):
        de, en = paths
        return [(de, en, _stem(de, src_suffix))], []
    pairs, lonely = [], []
    seen: dict[str, Path] = {}
    manifests: dict = {}
    for d in paths:
        if not d.is_dir():
            raise InputError(f"{d}: give a source and a target file, or directories of "
                             f"NAME{src_suffix} / NAME{tgt_suffix} pairs")
        de_files = {p.name[:-len(src_suffix)]: p
                    for p in walk(d, "*" + src_suffix, manifests, note)}
        en_files = {p.name[:-len(tgt_suffix)]: p
                    for p in walk(d, "*" + tgt_suffix, manifests, note)}
        if not de_files and not en_files:
            raise InputError(f"{d}: holds no NAME{src_suffix} / NAME{tgt_suffix} pairs to align")
        for name in sorted(set(de_files) | set(en_files)):
            if name in de_files and name in en_files:
                if name in seen and _same(seen[name], de_files[name]):
                    continue  # one folder named twice (or through a link)
                if name in seen:
                    raise InputError(f"{de_files[name]}: has the same name as {seen[name]}; both "
                                     f"would be written to {name}.jsonl — align them into "
                                     "different output directories")
                seen[name] = de_files[name]
                pairs.append((de_files[name], en_files[name], name))
            else:
                have, want = ((de_files[name], name + tgt_suffix) if name in de_files
                              else (en_files[name], name + src_suffix))
                lonely.append((have, f"has no partner {want} to align with"))
    return pairs, lonely


def _same(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _stem(de: Path, src_suffix: str = ".de.txt") -> str:
    name = de.name
    for suffix in (src_suffix, ".txt"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return de.stem


class AlignmentJob:
    """Aligning on the run engine (:mod:`pipeline.run`): a unit is a source/target pair, read
    and checked as translate reads an input, skipped when its record file already aligns these
    exact two sources with these settings; its records are :func:`align_documents`'."""

    def __init__(self, out: Path, selected: tuple[str, ...], read, *, translator=None,
                 encoding: str = "utf-8", force: bool = False, max_line_chars: int,
                 report: Report = print, params: dict | None = None, src_lang: str = "de",
                 tgt_lang: str = "en") -> None:
        self.out, self.selected, self.read = out, selected, read
        self.translator, self.encoding, self.force = translator, encoding, force
        self.max_line_chars, self.report, self.params = max_line_chars, report, params or {}
        self.src_lang, self.tgt_lang = src_lang, tgt_lang
        self.fingerprint = alignment_fingerprint(translator, src_lang, tgt_lang, **self.params)
        self.partners: dict[Path, Path] = {}  # German file -> English file

    def prepare(self, seq: int, inp, ledger):
        from .. import formats
        from ..inputs import read_document
        from ..outputs import overwrite_message, relative_source
        from ..windows import Unit

        if inp.error is not None:
            ledger.fail(seq, inp, inp.error)
            return None
        names = formats.filenames(inp.stem, (self.src_lang, self.tgt_lang))
        found = self.read.first_clash(self.out, [f for files in names.values() for f in files])
        if found is not None:
            ledger.fail(seq, inp, overwrite_message(found))
            return None
        en_path = self.partners[inp.path]
        try:
            de = read_document(inp.path, self.encoding, self.max_line_chars, self.report)
            en = read_document(en_path, self.encoding, self.max_line_chars, self.report)
        except InputError as exc:
            ledger.fail(seq, inp, str(exc).removeprefix(f"{inp.label}: "))
            return None
        rel_de, rel_en = relative_source(inp.path, self.out), relative_source(en_path, self.out)
        target = self.out / f"{inp.stem}.jsonl"
        if not self.force and ledger.up_to_date(
                seq, inp, de, self.selected, partner=en,
                current=lambda: _up_to_date(target, de, en, rel_de, rel_en, self.fingerprint)):
            return None
        return Unit(seq, inp, de, rel_de, [], partner=en, partner_path=rel_en)

    def records(self, units) -> list:
        out: list = []
        for u in units:
            try:
                out.append(align_documents(u.doc, u.partner, translator=self.translator,
                                           de_path=u.doc_path, en_path=u.partner_path,
                                           src_lang=self.src_lang, tgt_lang=self.tgt_lang,
                                           **self.params))
            except InputError as exc:
                out.append(exc)
        return out

    def done(self, unit, target: Path, count: int) -> str:
        return f"aligned {unit.input.path} + {self.partners[unit.input.path]} -> {target} " \
               f"({count} links)"

    def header(self) -> dict:
        """What the manifest says of the run's aligner and translator."""
        from ..segment import splitter

        translator = self.translator
        return {"model": None if translator is None else translator.manifest_model(),
                "engine": None if translator is None else translator.provenance.engine,
                "splitter": {self.src_lang: splitter(self.src_lang).name,
                             self.tgt_lang: splitter(self.tgt_lang).name},
                "aligner": ALIGNER, "fingerprint": self.fingerprint}


def align_files(inputs: Sequence[str | Path], out_dir: str | Path, *, mt: bool = True,
                translator=None, formats: Sequence[str] = ("all",), encoding: str = "utf-8",
                force: bool = False, report: Report = print,
                max_line_chars: int | None = None,
                align_params: dict | None = None, src_lang: str = "de", tgt_lang: str = "en",
                **translator_options):
    """Align each source/target pair (``src_lang`` / ``tgt_lang``, German/English by
    default) into ``out_dir``: ``<stem>.jsonl`` (alignment records), the selected side formats
    and ``manifest.json``, on the run engine of :func:`pipeline.translate_files` (the same skip
    rule, failure records and manifest). Inputs with a line longer than ``max_line_chars``
    (default: translate's) are refused, as is a pair whose outputs would be written over a
    file the run reads. Returns a :class:`pipeline.summary.RunSummary`. The pinned model
    translates German to English: for MT of another pair, pass a ``translator`` or
    ``model_dir`` for it."""
    import time

    from .. import formats as formats_mod
    from ..inputs import DEFAULT_MAX_LINE_CHARS, Input, check_line_limit
    from ..io import sweep_stale_temps
    from ..manifest import FILENAME
    from ..io import prepare_output_dir
    from ..outputs import Inputs, refuse_clash
    from ..ledger import RunLedger
    from ..windows import LocalExecutor, run_job
    from ..translator import Translator

    started = time.time()
    limit = DEFAULT_MAX_LINE_CHARS if max_line_chars is None else max_line_chars
    check_line_limit(limit)
    pairs, lonely = collect_pairs(inputs, src_lang, tgt_lang, report)
    read = Inputs(p for de, en, _ in pairs for p in (de, en))
    selected = formats_mod.parse_selection(formats)
    out = Path(out_dir)
    refuse_clash(read, out / FILENAME, "the run's manifest")
    own = mt and translator is None
    if own and (src_lang, tgt_lang) != ("de", "en") and not translator_options.get("model_dir"):
        raise InputError(f"the pinned model translates German to English, not {src_lang} to "
                         f"{tgt_lang}; give a model directory for {src_lang}-{tgt_lang} MT or "
                         "align without MT (--no-mt)")
    if own:
        translator = Translator(report=report, **{"src_lang": src_lang, "tgt_lang": tgt_lang,
                                                  **translator_options})
    try:
        prepare_output_dir(out)
        sweep_stale_temps(out, formats_mod.is_output_name)
        job = AlignmentJob(out, selected, read, translator=translator if mt else None,
                           encoding=encoding, force=force, max_line_chars=limit, report=report,
                           params=align_params, src_lang=src_lang, tgt_lang=tgt_lang)
        job.partners = {de: en for de, en, _ in pairs}
        ledger = RunLedger(out, report)
        items = [Input(path, "", str(path), error=why) for path, why in lonely]
        items += [Input(de, stem, str(de)) for de, _, stem in pairs]
        run_job(items, job, ledger, LocalExecutor(), 1)
        summary = ledger.summary
        stats = {}
        if translator is not None and mt:
            s = translator.scheduler.stats
            summary.engine, summary.memory = s.translated, s.from_cache
            summary.passed_through = s.passed_through
            stats = {k: v for k, v in vars(s).items() if k != "extra"}
        settings = {**(translator.config.settings() if translator is not None and mt else {}),
                    "mt": mt, "src_lang": src_lang, "tgt_lang": tgt_lang, "params": resolve_params(**(align_params or {})).as_dict(),
                    "formats": list(selected), "encoding": encoding, "max_line_chars": limit,
                    "force": force}
        ledger.write_manifest(job.header(), settings, stats, started)
        return summary
    finally:
        if own:
            translator.close()


def _up_to_date(target: Path, de: Document, en: Document, rel_de: str, rel_en: str,
                fingerprint: str) -> bool:
    """Whether ``target`` already aligns these exact two sources, at these paths, with these
    settings (its first record says so)."""
    from ..formats.jsonl import first_line

    try:
        first = AlignmentRecord.from_json(first_line(target))
    except (OSError, PipelineError):
        return False
    return (first.de_sha256, first.en_sha256, first.de_path, first.en_path, first.de_encoding,
            first.en_encoding, first.fingerprint, first.index) == (
        de.sha256, en.sha256, rel_de, rel_en, de.encoding, en.encoding, fingerprint, 0)
