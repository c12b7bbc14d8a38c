"""The project's exception types.

Library code raises these; only the CLI turns them into one-line messages and exit codes.
Each subclasses the built-in exception a caller would naturally catch, and its message says
what is wrong and how to fix it.
"""

from __future__ import annotations


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
