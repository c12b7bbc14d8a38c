"""The project's exception types.

Library code raises these; only the CLI turns them into one-line messages and exit codes.
Each subclasses the built-in exception a caller would naturally catch, and its message says
what is wrong and how to fix it.
"""

from __future__ import annotations

import stat


class PipelineError(Exception):
    """Base class of every error the pipeline raises on purpose."""

    exit_code = 1


class InputError(PipelineError, ValueError):
    """An input file cannot be used: missing, unreadable, not text, empty, or not decodable."""

    exit_code = 2


class ModelUnavailableError(PipelineError, FileNotFoundError):
    """The pinned model is not in the local cache and cannot be downloaded."""

    exit_code = 2


class ModelIntegrityError(PipelineError):
    """A model file does not match models.lock (or the recorded directory digests)."""

    exit_code = 2


class LockError(PipelineError, ValueError):
    """models.lock is missing, malformed, or incomplete for the requested operation."""

    exit_code = 2


class EvaluationError(PipelineError, ValueError):
    """Hypotheses and references cannot be scored together: counts differ, nothing to score,
    an unknown metric, or test settings sacrebleu cannot run."""

    exit_code = 2


class VerificationError(PipelineError):
    """An output does not agree with its inputs or with itself."""

    exit_code = 1


class OutputError(PipelineError, OSError):
    """The output directory cannot be used: not a directory, not writable, disk full."""

    exit_code = 2


class CacheError(PipelineError, OSError):
    """The pipeline's cache (``$PIPELINE_CACHE``) cannot be used for what this run needs."""

    exit_code = 2


class LanguageError(PipelineError, ValueError):
    """A language code is not a language code, or a language's data file is malformed."""

    exit_code = 2


class LanguageNotIdentifiedError(PipelineError, ValueError):
    """A text's language cannot be identified: it has no letters (empty, digits, symbols)."""

    exit_code = 2


class UnknownLanguageError(PipelineError, ValueError):
    """A language code that the component asked does not know (an unknown candidate)."""

    exit_code = 2


class RecordError(VerificationError, ValueError):
    """A record that breaks the record layout (wrong type, missing key, impossible span)."""


class ClusterError(PipelineError):
    """Ray is not installed, no cluster answers, or the Ray run failed for another reason."""

    exit_code = 2


class SourceTooLongError(InputError):
    """A sentence has more source tokens than the model reads; engines refuse it rather than
    truncate it. Split such sentences before translating (see ``Engine.max_source_tokens``)."""


class EngineSetupError(PipelineError, ValueError):
    """An engine cannot be built with the settings given."""

    exit_code = 2


class NotRegularFile(OSError):
    """Raised by :func:`open_regular`; ``kind`` says what the path is instead."""

    def __init__(self, kind: str) -> None:
        super().__init__(f"is {kind}, not a regular file")
        self.kind = kind

    @staticmethod
    def kind_of(mode: int) -> str:
        """What a file of this ``st_mode`` is, in words ("a FIFO")."""
        return ("a directory" if stat.S_ISDIR(mode) else "a FIFO" if stat.S_ISFIFO(mode)
                else "a socket" if stat.S_ISSOCK(mode) else "a device" if
                stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a regular file" if
                stat.S_ISREG(mode) else "a special file")


class ApiError(Exception):
    """An answer other than 200: its status and the message of LibreTranslate's
    ``{"error": "..."}``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
