"""Labeled datasets: export penmark's annotations in the formats the field's tools read, and read
them back. Offsets everywhere are code points of the article's canonical text.

Each format lives in a module of its own (``jsonl``, ``doccano``, ``prodigy`` for spaCy and
Prodigy, ``labelstudio``, ``brat``, ``w3c``, ``csv_rows``, ``conll``); ``formats`` names them,
``export`` streams the store into one, ``load`` imports one into the store.
"""
