"""Translating files: :func:`translate_files` is what ``pipeline translate`` does, a
:class:`TranslationJob` on the run engine of :mod:`pipeline.windows` (plan windows -> executor
-> :class:`~pipeline.ledger.RunLedger`); :func:`pipeline.alignment.align_files` runs on the
same engine. The manifest is written at the end from what the run knows (digests of the inputs
it read and of the texts it wrote), never by re-reading what it just wrote.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .archive import DEFAULT_ID_FIELD, DEFAULT_TEXT_FIELD
from .errors import InputError, PipelineError
from .inputs import (DEFAULT_MAX_LINE_CHARS, Input, Report, check_line_limit, collect_inputs,
                     iter_inputs, stderr)
from .io import prepare_output_dir
from .ledger import RunLedger
from .outputs import (ALL_FORMATS, Inputs, overwrite_message, record_path, refuse_clash,
                      relative_source)
from .routing import AUTO, Router
from .skip import described, up_to_date
from .summary import RunSummary
from .translator import Translator
from .windows import (Executor, Job, LocalExecutor, Unit, Window, plan, run_job,
                      write_window)

DEFAULT_WINDOW = 500


@dataclass
class TranslationJob:
    """Translating documents: each input read and split, skipped when its record file is up to
    date, a window's sentences translated in one scheduler call."""

    translator: Translator | None
    out: Path
    selected: tuple[str, ...]
    encoding: str = "utf-8"
    read: Inputs = field(default_factory=Inputs)
    force: bool = False
    max_line_chars: int = DEFAULT_MAX_LINE_CHARS
    report: Report = stderr
    router: Router | None = None  # --from auto: a translator per document's language
    _doc_path: tuple[Path, str] | None = field(default=None, init=False, repr=False)

    def prepare(self, seq: int, inp: Input, ledger: RunLedger) -> Unit | None:
        try:
            str(inp.path).encode("utf-8")
        except UnicodeEncodeError:  # its records could not name it, nor any format hold it
            ledger.fail(seq, inp, "the file name is not valid UTF-8; rename the file")
            return None
        if self.router is None and self._clashes(seq, inp, self.translator, ledger):
            return None
        try:
            doc = inp.load(self.encoding, self.max_line_chars, self.report)
        except InputError as exc:
            ledger.fail(seq, inp, str(exc).removeprefix(f"{inp.label}: "))
            return None
        translator = self.translator
        if self.router is not None:
            try:
                translator = self.router.route(doc, inp.article)
            except PipelineError as exc:
                ledger.fail(seq, inp, str(exc), doc.sha256)
                return None
            if self._clashes(seq, inp, translator, ledger):  # its outputs' names known now
                return None
        if self._doc_path is None or self._doc_path[0] != inp.path:  # an archive's articles share it
            self._doc_path = (inp.path, relative_source(inp.path, self.out))
        doc_path = self._doc_path[1]
        target = record_path(inp.stem, self.out)
        fingerprint = translator.fingerprint
        if not self.force and ledger.up_to_date(
                seq, inp, doc, self.selected,
                current=lambda: up_to_date(doc, doc_path, fingerprint, target),
                expected=described(doc, doc_path, fingerprint)):
            return None
        return Unit(seq, inp, doc, doc_path, translator.split(doc.text),
                    lang=None if self.router is None else translator.config.src_lang)

    def _clashes(self, seq: int, inp: Input, translator: Translator, ledger: RunLedger) -> bool:
        """True (the ledger told) when an output of ``inp`` would be written over an input."""
        from . import formats

        if inp.error is not None:
            return False
        pair = (translator.config.src_lang, translator.config.tgt_lang)
        names = [f for files in formats.filenames(inp.stem, pair).values() for f in files]
        found = self.read.first_clash(self.out, names)
        if found is None:
            return False
        hit, target = found
        ledger.fail(seq, inp, overwrite_message(found) if inp.article is None else (
            f"article {inp.article.doc_id!r} would be written over an input archive "
            f"({target} is {hit}); choose another output directory with -o"))
        return True

    def records(self, units: Sequence[Unit]) -> list[list | InputError]:
        if self.router is None:
            return self.translator.translate_documents([(u.doc, u.sentences) for u in units],
                                                       [u.doc_path for u in units])
        out: list = [None] * len(units)
        for lang in dict.fromkeys(u.lang for u in units):  # one engine call per pair
            ks = [k for k, u in enumerate(units) if u.lang == lang]
            done = self.router.translator(lang).translate_documents(
                [(units[k].doc, units[k].sentences) for k in ks], [units[k].doc_path for k in ks])
            for k, records in zip(ks, done):
                out[k] = records
        return out

    def done(self, unit: Unit, target: Path, count: int) -> str:
        return f"translated {unit.input.label} -> {target} ({count} sentences)"


def translate_files(inputs: Sequence[str | Path], out_dir: str | Path, *,
                    translator: Translator | None = None,
                    formats: Sequence[str] = ALL_FORMATS, encoding: str = "utf-8",
                    window: int = DEFAULT_WINDOW, max_line_chars: int = DEFAULT_MAX_LINE_CHARS,
                    force: bool = False, input_format: str = "text",
                    id_field: str = DEFAULT_ID_FIELD, text_field: str = DEFAULT_TEXT_FIELD,
                    executor: Executor | None = None,
                    report: Report = stderr,
                    on_document: Callable[[], None] = lambda: None,
                    on_window: Callable[[int], None] = lambda n: None,
                    **options) -> RunSummary:
    """Translate each input (files, or directories of ``*.txt``) into ``out_dir``: per input
    ``<stem>.jsonl`` and the selected side formats, plus ``manifest.json``. Documents whose
    outputs are up to date are skipped. ``options`` build a :class:`Translator` when none is
    given. ``on_window(n)`` is called after the n-th window is written (tests use it to stop a
    run at a known point).

    ``input_format="jsonl"``: each input is an archive (directories: their ``*.jsonl``) whose
    lines are articles, ``{id_field: ..., text_field: ...}``, written to ``<id>.jsonl`` etc.

    ``executor``: who writes the windows: :class:`LocalExecutor` (the default), or
    :class:`pipeline.cluster.RayExecutor` for the same run on Ray Data; the outputs are the
    same."""
    from . import formats as formats_mod
    from .io import sweep_stale_temps
    from .manifest import FILENAME

    started = time.time()
    check_line_limit(max_line_chars)
    paths = collect_inputs(inputs, input_format, report)
    if input_format == "jsonl" and encoding.lower().replace("-", "").replace("_", "") not in (
            "utf8", "auto"):
        raise InputError(f"--encoding {encoding} applies to text files; a JSONL archive is "
                         "UTF-8 (RFC 8259)")
    selected = formats_mod.parse_selection(formats)
    out = Path(out_dir)
    read = Inputs(paths)
    refuse_clash(read, out / FILENAME, "the run's manifest")
    executor = executor or LocalExecutor()
    own = translator is None
    router = None
    if own and options.get("src_lang") == AUTO:
        from .translator import TranslatorConfig

        router = Router(TranslatorConfig.of(**{k: v for k, v in options.items()
                                               if k not in ("on_progress", "lang_field")}),
                        report=report, on_progress=options.get("on_progress"),
                        lang_field=options.get("lang_field"))
    elif own:
        options.pop("lang_field", None)
        translator = Translator(report=report, **options)
    try:
        prepare_output_dir(out)
        sweep_stale_temps(out, formats_mod.is_output_name)  # of a run killed mid-write
        job = TranslationJob(translator, out, selected, encoding, read, force, max_line_chars,
                             report, router)
        ledger = RunLedger(out, report, on_document)
        settings = {"formats": list(selected), "encoding": encoding, "window": window,
                    "max_line_chars": max_line_chars, "force": force}
        if input_format == "jsonl":
            settings.update(input_format=input_format, id_field=id_field, text_field=text_field)
        items = iter_inputs(paths, input_format, id_field=id_field, text_field=text_field)
        run_job(items, job, ledger, executor, window, on_window)
        details = getattr(executor, "details", None)
        if details is not None:
            ledger.summary.cluster = settings["ray"] = details
        summary = ledger.summary
        stats = translator.scheduler.stats if router is None else router.stats()
        summary.engine, summary.memory = stats.translated, stats.from_cache
        summary.passed_through = stats.passed_through
        config = translator.config if router is None else router.config
        if router is not None:
            settings["lang_field"] = router.lang_field
        ledger.write_manifest(translator_header(translator) if router is None else router.header(),
                              {**config.settings(), **settings},
                              {k: v for k, v in vars(stats).items() if k != "extra"}, started)
        return summary
    finally:
        if router is not None:
            router.close()
        elif own:
            translator.close()


def translator_header(translator: Translator) -> dict:
    """What the manifest says of the run's translator: model, engine, splitter, fingerprint."""
    return translator.header()


__all__ = ["RunSummary", "translate_files", "Unit", "Window", "Job", "Executor", "plan",
           "write_window", "LocalExecutor", "RunLedger", "run_job", "TranslationJob",
           "translator_header", "DEFAULT_WINDOW"]
