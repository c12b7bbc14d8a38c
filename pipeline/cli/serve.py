"""``pipeline serve``: the translation server (the serve extra: Starlette and uvicorn)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import PipelineError
from . import LockOpt, app, fail, say
from .translate import ComputeType, EngineName

LOOPBACK = ("127.0.0.1", "localhost", "::1")


@app.command()
def serve(
    host: Annotated[str, typer.Option(
        help="Address to listen on; 0.0.0.0 serves every network (give --api-keys then).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=0, max=65535)] = 5000,
    model_dir: Annotated[Optional[Path], typer.Option(
        help="A local MarianMT directory (save_pretrained) instead of the pinned model.")] = None,
    lock: LockOpt = None,
    beam: Annotated[Optional[int], typer.Option(
        help="Beam size (default: the model's own).", min=1)] = None,
    engine: Annotated[EngineName, typer.Option(help="Translation engine.")] = EngineName.ctranslate2,
    compute_type: Annotated[ComputeType, typer.Option(
        help="ctranslate2: weights in int8 or float32.")] = ComputeType.int8,
    no_cache: Annotated[bool, typer.Option(
        "--no-cache", help="Bypass the translation memory.")] = False,
    api_keys: Annotated[Optional[Path], typer.Option(
        help="A file of API keys, one per line: every request must carry one (api_key, or "
        "Authorization: Bearer), else 403.")] = None,
    char_limit: Annotated[int, typer.Option(
        help="Most characters of one text; -1: no limit (LibreTranslate's default).",
        min=-1)] = -1,
    max_body_bytes: Annotated[int, typer.Option(
        help="Largest request body, refused with 413 before it is read.", min=1)] = 1024 * 1024,
    cors: Annotated[Optional[list[str]], typer.Option(
        help="Allow cross-origin requests from this origin (repeatable); none by default.")] = None,
    batch_wait_ms: Annotated[float, typer.Option(
        help="How long a request waits for others to share its engine call.", min=0)] = 5.0,
) -> None:
    """Serve a web page and a LibreTranslate-compatible API, the model loaded once."""
    try:
        import uvicorn  # noqa: F401  (the serve extra: uvicorn, starlette, python-multipart)

        from ..serve import ServeSettings, read_api_keys
        from ..serve.app import serve as run
    except ImportError as exc:
        say(f"error: pipeline serve needs the serve extra ({exc.name} is missing): "
            "pip install 'pipeline[serve]'", err=True)
        raise typer.Exit(2) from None
    if host not in LOOPBACK and api_keys is None:
        say(f"warning: serving {host} without --api-keys: anyone who can reach it may use it",
            err=True)
    options = dict(model_dir=model_dir, lock=lock, beam=beam, engine=engine.value,
                   compute_type=compute_type.value, cache=not no_cache,
                   report=lambda msg: say(msg, err=True))
    try:
        settings = ServeSettings(translator=options, char_limit=char_limit,
                                 api_keys=read_api_keys(api_keys) if api_keys else None,
                                 max_body_bytes=max_body_bytes, cors=tuple(cors or ()),
                                 batch_wait_s=batch_wait_ms / 1000)
        run(settings, host=host, port=port, report=lambda msg: say(msg, err=True))
    except PipelineError as exc:
        fail(exc)
    except OSError as exc:  # the address cannot be listened on
        say(f"error: {exc.strerror or exc}", err=True)
        raise typer.Exit(1) from None
