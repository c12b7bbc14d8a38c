"""``pipeline translate``: articles in, records and side formats out."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import InputError, PipelineError
from ..inputs import DEFAULT_MAX_LINE_CHARS
from ..run import DEFAULT_WINDOW
from .common import LockOpt, app, fail, say


class EngineName(str, Enum):
    ctranslate2 = "ctranslate2"
    torch = "torch"
    transformers = "transformers"


class ComputeType(str, Enum):
    int8 = "int8"
    float32 = "float32"


class InputFormat(str, Enum):
    text = "text"
    jsonl = "jsonl"


def formats_option(values: Optional[list[str]]) -> tuple[str, ...]:
    """``--format`` values checked up front (a bad name is a usage error, exit 2)."""
    from ..formats import parse_selection

    try:
        return parse_selection(values)
    except PipelineError as exc:
        raise typer.BadParameter(str(exc), param_hint="--format") from None


def model_dir_option(values: Optional[list[str]]) -> tuple[Optional[Path], dict[str, str]]:
    """``--model-dir`` values: ``PAIR=DIR`` (repeatable, any pair the run may need) or one bare
    ``DIR`` (the model of the run's one pair)."""
    import re

    bare: list[str] = []
    pairs: dict[str, str] = {}
    for value in values or []:
        key, sep, rest = value.partition("=")
        if sep and re.fullmatch(r"[a-z]{2,3}-[a-z]{2,3}", key):
            if key in pairs:
                raise typer.BadParameter(f"{key} is given twice", param_hint="--model-dir")
            pairs[key] = rest
        else:
            bare.append(value)
    if len(bare) > 1:
        raise typer.BadParameter("a bare DIR is the model of the run's one pair: give it once, "
                                 "and other pairs as PAIR=DIR (e.g. fr-en=DIR)",
                                 param_hint="--model-dir")
    return (Path(bare[0]) if bare else None), pairs


def run_translation(inputs: list[Path], output: Path, *, quiet: bool, **options) -> None:
    """Call :func:`pipeline.translate_files` with a progress line, print its summary, and exit
    non-zero when a document failed."""
    from ..progress import Progress
    from ..inputs import collect_inputs
    from ..run import translate_files

    input_format = options.get("input_format", "text")
    try:
        paths = collect_inputs(inputs, input_format)
    except PipelineError as exc:
        fail(exc)
    if input_format == "jsonl":
        from ..archive import count_lines

        total = sum(count_lines(p) for p in paths)  # a bound: blank lines hold no article
    else:
        total = len(paths)
    progress = Progress(enabled=not quiet, total_documents=total)
    report = progress.write if not quiet else (
        lambda msg: say(msg, err=True) if msg.startswith(("error", "warning")) else None)
    ray, actors = options.pop("ray", None), options.pop("actors", None)
    try:
        if ray is not None:
            from ..cluster import RayExecutor

            options["executor"] = RayExecutor(ray, actors=actors)
        summary = translate_files(inputs, output, report=report, on_progress=progress.advance,
                                  on_document=progress.document_done, **options)
    except PipelineError as exc:
        progress.close()
        fail(exc)
    progress.close()
    if not quiet or not summary.ok:
        say(summary.line(), err=True)  # each failure had its error line as it happened
    if not summary.ok:
        raise typer.Exit(1)


def translate_stdin(selected: tuple[str, ...], encoding: str, max_line_chars: int,
                    **options) -> None:
    """``pipeline translate -``: one document from standard input, one format to standard
    output (the records by default). Standard input has the limits of a file."""
    import sys

    from ..formats import render
    from ..inputs import read_stdin
    from ..translator import Translator

    chosen = [name for name in selected if name != "jsonl"] or ["jsonl"]
    if len(chosen) != 1 or chosen[0] == "moses":
        raise typer.BadParameter("with - as input, choose one format that is one file: jsonl "
                                 "(default), tsv, tmx or html", param_hint="--format")
    try:
        doc = read_stdin(sys.stdin.buffer, encoding, max_line_chars,
                         lambda msg: say(msg, err=True))
        if options.get("src_lang") == "auto":
            from ..languages.identify import detect_language

            options["src_lang"] = detect_language(doc.text)
        with Translator(report=lambda msg: say(msg, err=True), **options) as translator:
            records = translator.translate_document(doc)
    except PipelineError as exc:
        fail(exc)
    (text,) = render(chosen[0], records, "stdin").values()
    sys.stdout.write(text)
    sys.stdout.flush()


@app.command()
def translate(
    inputs: Annotated[list[Path], typer.Argument(
        help="Text files, or directories of *.txt; - reads one article from standard input and "
        "writes its records (or the one --format given) to standard output.")],
    output: Annotated[Optional[Path], typer.Option(
        "--output", "-o", help="Output directory [default: out].", show_default=False)] = None,
    model_dir: Annotated[Optional[list[str]], typer.Option(
        help="A local MarianMT directory (save_pretrained) instead of the pinned model: DIR for "
        "the run's pair, or PAIR=DIR (repeatable) for any pair, e.g. fr-en=DIR.",
        show_default=False)] = None,
    src_lang: Annotated[str, typer.Option(
        "--from", help="Language of the articles (ISO 639-1), or auto: each article's own "
        "language, detected (or read from --lang-field), routed to its pair's model.")] = "de",
    tgt_lang: Annotated[str, typer.Option(
        "--to", help="Language to translate into (ISO 639-1).")] = "en",
    pivot: Annotated[Optional[str], typer.Option(
        help="Translate through this language when a pair has no direct model (two models; "
        "the records keep the intermediate text). Without it English is used, said in one "
        "line.", show_default=False)] = None,
    big: Annotated[bool, typer.Option(
        "--big", help="Use the opus-mt-tc-big model of a pair where one is listed.")] = False,
    lang_field: Annotated[Optional[str], typer.Option(
        help="--from auto with --input-format jsonl: the archive field that names each "
        "article's language (detected when a line has none).", show_default=False)] = None,
    beam: Annotated[Optional[int], typer.Option(
        help="Beam size (default: the model's own, 4 for opus-mt).", min=1)] = None,
    engine: Annotated[EngineName, typer.Option(
        help="Translation engine; torch and transformers are the same one.")] = EngineName.ctranslate2,
    threads: Annotated[Optional[int], typer.Option(
        help="torch: CPU threads.", min=1)] = None,
    compute_type: Annotated[ComputeType, typer.Option(
        help="ctranslate2: weights in int8 or float32.")] = ComputeType.int8,
    inter_threads: Annotated[Optional[int], typer.Option(
        help="ctranslate2: workers translating batches in parallel (default: one per core).",
        min=1)] = None,
    intra_threads: Annotated[Optional[int], typer.Option(
        help="ctranslate2: threads per worker (default: 1).", min=1)] = None,
    encoding: Annotated[str, typer.Option(
        help="Input encoding: utf-8, cp1252 (old archives), or auto (UTF-8 when a file decodes "
        "as UTF-8, else cp1252; recorded per file).")] = "utf-8",
    no_cache: Annotated[bool, typer.Option(
        "--no-cache", help="Bypass the translation memory (neither read nor write it).")] = False,
    force: Annotated[bool, typer.Option(
        "--force", help="Re-translate documents even when their outputs are up to date.")] = False,
    max_source_tokens: Annotated[Optional[int], typer.Option(
        help="Split sentences longer than this many tokens (default and maximum: 333, so that "
        "the output cap of 1.5x+10 tokens fits the model's 512 positions).",
        min=8)] = None,
    max_line_chars: Annotated[int, typer.Option(
        help="Refuse inputs with a longer line (not an article paragraph).", min=1)] = DEFAULT_MAX_LINE_CHARS,
    window: Annotated[int, typer.Option(
        help="Sentences gathered from several documents per engine call.", min=1)] = DEFAULT_WINDOW,
    quiet: Annotated[bool, typer.Option(
        "--quiet", "-q", help="Only warnings and errors (and the summary when one failed).")] = False,
    output_formats: Annotated[Optional[list[str]], typer.Option(
        "--format", help="Formats to write, repeatable or comma-separated: jsonl, tsv, moses, "
        "tmx, html, or all (default). The jsonl record is always written.")] = None,
    lock: LockOpt = None,
    input_format: Annotated[InputFormat, typer.Option(
        help="text: each input file is one article; jsonl: each line of each input (an "
        "archive) is one article, written to <id>.jsonl etc.")] = InputFormat.text,
    id_field: Annotated[str, typer.Option(
        help="jsonl: the field that holds an article's id.")] = "id",
    text_field: Annotated[str, typer.Option(
        help="jsonl: the field that holds an article's text.")] = "text",
    ray: Annotated[Optional[str], typer.Option(
        help="Run on Ray Data (needs the cluster extra): local (an instance sized to "
        "this machine), auto (the cluster RAY_ADDRESS or `ray start` names), or an address. "
        "The output directory must be one every node sees. Same outputs as without.",
        show_default=False)] = None,
    actors: Annotated[Optional[int], typer.Option(
        help="--ray: translators (each holds one engine; default: one per CPU of the cluster, "
        "or per --inter-threads × --intra-threads).", min=1, show_default=False)] = None,
) -> None:
    """Translate articles; write <stem>.jsonl (canonical records) and side formats per input.

    Documents whose records already match the source bytes and these settings are skipped."""
    bare_dir, model_dirs = model_dir_option(model_dir)
    routed = src_lang == "auto"
    if routed and bare_dir is not None:
        raise typer.BadParameter("with --from auto each article has its own pair: give its "
                                 "model as PAIR=DIR (e.g. fr-en=DIR)", param_hint="--model-dir")
    if lang_field is not None and not routed:
        raise typer.BadParameter("--lang-field is for --from auto", param_hint="--lang-field")
    engine_options = dict(model_dir=bare_dir, model_dirs=model_dirs, src_lang=src_lang,
                          tgt_lang=tgt_lang, pivot=pivot, big=big,
                          lock=lock, beam=beam, engine=engine.value,
                          threads=threads, compute_type=compute_type.value,
                          inter_threads=inter_threads, intra_threads=intra_threads,
                          cache=not no_cache, max_source_tokens=max_source_tokens)
    if actors is not None and ray is None:
        raise typer.BadParameter("--actors is for --ray runs", param_hint="--actors")
    if [str(p) for p in inputs] == ["-"]:
        if output is not None:
            raise typer.BadParameter("with - as input the output goes to standard output",
                                     param_hint="--output")
        if input_format is InputFormat.jsonl:
            fail(InputError("<stdin>: --input-format jsonl reads archives from files only; "
                            "standard input is one article of plain text: save the archive to "
                            "a file and name it"))
        return translate_stdin(formats_option(output_formats) if output_formats else ("jsonl",),
                               encoding, max_line_chars, **engine_options)
    if any(str(p) == "-" for p in inputs):
        raise typer.BadParameter("- (standard input) cannot be mixed with files",
                                 param_hint="INPUTS")
    jsonl_options = dict(input_format="jsonl", id_field=id_field, text_field=text_field) \
        if input_format is InputFormat.jsonl else {}
    if lang_field is not None:
        if input_format is not InputFormat.jsonl:
            raise typer.BadParameter("--lang-field names a field of a JSONL archive: use it "
                                     "with --input-format jsonl", param_hint="--lang-field")
        jsonl_options["lang_field"] = lang_field
    ray_options = dict(ray=ray, actors=actors) if ray is not None else {}  # RayExecutor's
    run_translation(inputs, output or Path("out"), quiet=quiet, encoding=encoding, force=force,
                    max_line_chars=max_line_chars, window=window,
                    formats=formats_option(output_formats), **jsonl_options, **ray_options,
                    **engine_options)
