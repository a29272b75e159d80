"""penmark's headless core: canonical text, the annotation store, import and export.

It imports only the standard library, sqlite-utils, rapidfuzz, regex and pysbd: never textual,
rich or the tui package (a test holds it to that).
"""

__version__ = "0.1.0"
