"""What the pipeline knows about languages: one data file per language in ``data/``
(:mod:`.segmentation` reads the sentence-splitting part of it) and identification of a
text's language (:mod:`.identify`). Nothing here is imported by ``import pipeline``."""
