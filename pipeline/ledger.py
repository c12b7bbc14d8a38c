"""The run ledger: what one run did to each input (translated, up to date, failed), counted in
its :class:`~pipeline.summary.RunSummary` and journaled (:mod:`pipeline.journal`) as each
outcome is known; the manifest is streamed from the journal at the end (:mod:`pipeline.manifest`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .document import Document
from .errors import OutputError, PipelineError
from .inputs import Input, Report, stderr
from .journal import Journal
from .outputs import (Written, WrittenFacts, json_text, record_path, relative_source,
                      write_failure)
from .skip import Previous, refresh
from .summary import RunSummary

if TYPE_CHECKING:
    from .windows import Unit


class RunLedger:
    """What one run did to each input: counted in the summary, and journaled (see
    :mod:`pipeline.journal`) as each outcome is known, with the manifest entry of each record
    file it wrote or found up to date; nothing per document is held in memory. The manifest is
    streamed from the journal at the end, inputs in input order whatever order the outcomes
    came in."""

    def __init__(self, out: Path, report: Report = stderr,
                 on_document: Callable[[], None] = lambda: None) -> None:
        from . import manifest

        self.manifest = manifest
        self.out = out
        self.report = report
        self.on_document = on_document
        self.summary = RunSummary()
        self.journal = Journal(out)
        self.previous = Previous(out)
        self.provenances: dict[str, dict] = {}  # fingerprint -> provenance, one copy per run
        self._sources: tuple[Path, str] | None = None  # the last input's path, as records name it

    def _source(self, path: Path) -> str:
        """``path`` as the manifest names it (the articles of an archive share one)."""
        if self._sources is None or self._sources[0] != path:
            # a name that is not UTF-8 is written with its bytes escaped (\udce4): JSON holds text
            self._sources = (path, json_text(relative_source(path, self.out)))
        return self._sources[1]

    def _input(self, inp: Input, sha256: str | None, status: str, error: str | None = None,
               partner: Document | None = None) -> dict:
        item: dict = {"path": self._source(inp.path), "sha256": sha256, "status": status}
        if inp.line is not None:
            if inp.article is not None:
                item["doc_id"] = inp.article.doc_id
            item["doc_line"] = inp.line
        if partner is not None:
            item["partner"] = json_text(relative_source(partner.path, self.out))
            item["partner_sha256"] = partner.sha256
        if error is not None:
            item["error"] = json_text(error)
        return item

    def fail(self, seq: int, inp: Input, why: str, sha256: str | None = None) -> None:
        self.summary.failed.append((inp.name, why))
        self.journal.add(seq, self._input(inp, sha256, "failed", why))
        self.on_document()
        self.report(f"error: {inp.label}: {why}")

    def up_to_date(self, seq: int, inp: Input, doc: Document, selected: Sequence[str],
                   current: Callable[[], bool], expected: dict | None = None,
                   partner: Document | None = None) -> bool:
        """Whether the skip rule finds the document done (see :func:`pipeline.skip.refresh`
        for ``current`` and ``expected``): its missing or damaged side files rendered again,
        its record file described, counted as skipped (or failed, when a side file cannot be
        written). False when its record file holds other records or is damaged: the caller
        does it again."""
        target = record_path(inp.stem, self.out)
        try:
            refreshed = refresh(target, inp.stem, selected, self.previous, current, expected)
        except PipelineError:
            return False
        except OSError as exc:
            self.fail(seq, inp, write_failure(exc), doc.sha256)
            return True
        if refreshed is None:
            return False
        entry, runs = refreshed
        self.summary.skipped.append(inp.name)
        self.journal.add(seq, self._input(inp, doc.sha256, self.manifest.UP_TO_DATE,
                                          partner=partner), entry, runs)
        self.on_document()
        return True

    def finish(self, unit: Unit, result: Written | WrittenFacts | str,
               message: str = "") -> None:
        """Account for one unit of a window: written (``message`` reported), or failed."""
        if isinstance(result, str):
            self.fail(unit.seq, unit.input, result, unit.doc.sha256)
            return
        m = self.manifest
        target = record_path(unit.input.stem, self.out)
        if isinstance(result, Written):
            result = m.written_facts(result, self.provenances)
        # one dict per run for the whole run, whichever process made the facts
        runs = {fp: self.provenances.setdefault(fp, p) for fp, p in result.provenances.items()}
        facts = result.document
        entry = m.document_entry(target, facts, m.TRANSLATED, result.files)
        entry["stat"] = m.written_stats(target, result.files.get(target.name), facts["pair"])
        self.summary.translated.append(unit.input.name)
        self.summary.sentences += result.count
        self.journal.add(unit.seq, self._input(unit.input, unit.doc.sha256, m.TRANSLATED,
                                               partner=unit.partner), entry, runs)
        self.on_document()
        if message:
            self.report(message)

    def commit(self) -> None:
        """Make what was journaled durable: called once a window's outputs are committed."""
        try:
            self.journal.commit()
        except OSError as exc:
            raise OutputError(f"{self.journal.path}: cannot write the run's journal: "
                              f"{exc.strerror or exc}") from None

    def write_manifest(self, header: dict, settings: dict, scheduler: dict,
                       started: float) -> None:
        """Write the manifest; a failure to write is reported and counted as failed."""
        try:
            self.commit()
            self.summary.manifest = self.manifest.write_run(
                self.out, self.journal, header=header, settings=settings,
                scheduler=scheduler, sentences=self.summary.sentences, started=started)
        except OutputError as exc:  # the journal stays: the next run reads it
            self.journal.close()
            path = self.out / self.manifest.FILENAME
            why = str(exc).removeprefix(f"{path}: ")
            self.summary.failed.append((path, why))
            self.report(f"error: {path}: {why}")
        else:
            self.journal.close(remove=True)  # a manifest holds it (or there is no record file)


__all__ = ["RunLedger"]
