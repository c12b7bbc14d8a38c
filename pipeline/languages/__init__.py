"""Languages: identification of a text's language (``identify``); more language data joins
this package as it is needed. Nothing here is imported by ``import pipeline``."""
