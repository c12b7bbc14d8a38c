"""Output formats, one module each, all rendered from the canonical records."""
