"""The evaluate/ and verify/ packages: one source reader and one document rule shared by
``verify`` and ``eval``, and an import graph without circles or borrowed private names."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

PACKAGE = ROOT / "pipeline"


def _translate(tmp_path: Path, model: Path, inputs: list[Path], **kwargs) -> Path:
    from pipeline import translate_files

    out = tmp_path / "out"
    summary = translate_files(inputs, out, model_dir=model, **kwargs)
    assert not summary.failed, summary.failed
    return out


def test_a_corpus_holding_one_document_twice_verifies_and_scores_as_two(tiny_model, tmp_path):
    import pipeline
    from pipeline.evaluate import hypotheses_from_records

    src = tmp_path / "a.txt"
    src.write_text("Die Wahl ist vorbei.\n\nDas Spiel endete.\n\n", encoding="utf-8")
    out = _translate(tmp_path, tiny_model, [src])
    once = (out / "a.jsonl").read_text(encoding="utf-8")
    corpus = out / "corpus.jsonl"
    corpus.write_text(once + once, encoding="utf-8")
    (done,) = pipeline.verify([corpus])
    assert done.documents == 2
    hyps = hypotheses_from_records([corpus])
    assert [(d.start, d.end) for d in hyps.documents] == [(0, 4), (4, 8)]
    assert hyps.lines[:4] == hyps.lines[4:] and hyps.notes == ()


def test_eval_reads_an_archive_article_as_verify_does(tiny_model, tmp_path):
    import pipeline
    from pipeline.evaluate import hypotheses_from_records

    text = "Die Wahl ist vorbei.\n\nDas Spiel endete.\n\n\n"  # 5 lines, the last 2 blank
    archive = tmp_path / "archive.jsonl"
    archive.write_text(json.dumps({"id": "a1", "text": "Kurz."}) + "\n"
                       + json.dumps({"id": "a2", "text": text}) + "\n", encoding="utf-8")
    out = _translate(tmp_path, tiny_model, [archive], input_format="jsonl")
    pipeline.verify([out / "a2.jsonl"])
    hyps = hypotheses_from_records([out / "a2.jsonl"])
    assert hyps.notes == ()  # the article was found and read: no count from the records
    assert len(hyps.lines) == 5 and hyps.lines[0] and hyps.lines[2]
    assert hyps.lines[1] == hyps.lines[3] == hyps.lines[4] == ""
    assert hyps.documents[0].name == str(out / "../archive.jsonl")


def test_the_packages_stay_callable_as_the_functions_they_serve():
    code = ("import pipeline.verify.records, pipeline.evaluate.report, pipeline\n"
            "assert pipeline.verify is sys.modules['pipeline.verify']\n"
            "r = pipeline.evaluate(['a b c d e'], [['a b c d e']], ['bleu'])\n"
            "assert round(r.score('bleu').score) == 100, r\n"
            "from pipeline import verify\n"
            "try:\n    verify(['missing.jsonl'])\nexcept pipeline.PipelineError as e:\n"
            "    print(type(e).__name__)\n")
    res = subprocess.run([sys.executable, "-c", "import sys\n" + code], capture_output=True,
                         text=True, cwd=ROOT, timeout=120)
    assert res.returncode == 0 and res.stdout.strip(), res.stderr


# --------------------------------------------------------------------------- import graph

#: modules this layering owns: they import no private name of another module, join no import
#: circle, and stay under 450 lines
OWNED = ("verify/", "evaluate/", "digests.py", "_version.py", "_callable.py", "errors.py",
         "formats/jsonl.py")


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[tuple[str, str, bool]]:
    """(module, name, at top level) for each ``from X import name`` of a pipeline module."""
    me = _module(path)
    package = me if path.name == "__init__.py" else me.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = {id(node) for node in tree.body}
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            if module.split(".")[0] == "pipeline":
                out += [(module, a.name, id(node) in top) for a in node.names]
    return out


def _owned(path: Path) -> bool:
    rel = path.relative_to(PACKAGE).as_posix()
    return any(rel.startswith(o) if o.endswith("/") else rel == o for o in OWNED)


def test_no_private_names_imported_and_no_version_from_the_package_root():
    for path in sorted(PACKAGE.rglob("*.py")):
        for module, name, _ in _imports(path):
            assert not (module == "pipeline" and name == "__version__"), \
                f"{path}: import __version__ from pipeline._version"
            if _owned(path):
                assert not name.startswith("_") or name.endswith("__"), \
                    f"{path}: imports the private {module}.{name}"


def test_owned_modules_are_small_and_in_no_import_circle():
    modules = {_module(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for m, path in modules.items():
        for module, name, at_top in _imports(path):
            if not at_top:
                continue  # a deferred import runs after both modules are loaded
            target = f"{module}.{name}" if f"{module}.{name}" in modules else module
            if target in modules and target != m:
                graph[m].add(target)
    for m, path in modules.items():
        if not _owned(path):
            continue
        assert len(path.read_text(encoding="utf-8").splitlines()) < 450, path
        seen, stack = set(), list(graph[m])
        while stack:  # everything m imports at load time must not import m back
            n = stack.pop()
            assert n != m, f"{m} is in an import circle"
            if n not in seen:
                seen.add(n)
                stack.extend(graph[n])


def test_every_exception_class_lives_in_errors():
    """One home for exceptions; their old homes only import them (their names still work)."""
    from pipeline import errors

    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "errors.py" and path.parent == PACKAGE:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                bases = [ast.unparse(b) for b in node.bases]
                assert not any(b.endswith(("Error", "Exception", "NotRegularFile")) for b in bases), \
                    f"{path}: class {node.name} belongs in pipeline/errors.py"
    from pipeline.cluster import ClusterError
    from pipeline.io import NotRegularFile
    from pipeline.records import RecordError
    from pipeline.translate.base import SourceTooLongError
    from pipeline.translate.spec import EngineSetupError

    assert (RecordError, ClusterError, SourceTooLongError, EngineSetupError, NotRegularFile) == (
        errors.RecordError, errors.ClusterError, errors.SourceTooLongError,
        errors.EngineSetupError, errors.NotRegularFile)
