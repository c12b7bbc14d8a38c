"""``pipeline serve``: one process that keeps the model loaded and serves a web page, the
records endpoint ``POST /v1/translate`` and a LibreTranslate-compatible API.

An optional extra (``pip install 'pipeline[serve]'``: Starlette, uvicorn, python-multipart);
nothing here is imported by ``import pipeline`` or ``pipeline --help``.

    from pipeline.serve import ServeSettings, serve
    serve(ServeSettings(translator={"model_dir": "m"}), host="127.0.0.1", port=5000)
"""

from __future__ import annotations

from .service import ServeSettings, Service, read_api_keys

__all__ = ["ServeSettings", "Service", "read_api_keys", "serve", "create_app"]


def serve(*args, **kwargs):
    """See :func:`pipeline.serve.app.serve`."""
    from .app import serve as run

    return run(*args, **kwargs)


def create_app(service: Service):
    """See :func:`pipeline.serve.app.create_app`."""
    from .app import create_app as make

    return make(service)
