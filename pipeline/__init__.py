"""German→English news translation with one traceable record per source sentence."""

__version__ = "0.1.0"
