"""How the files in raw/ are told apart: by what their names end in.

Defined here, at the bottom of the stages, because scanning raw/ has to recognise
every kind of file, including the standoff annotation files that article/ parses.
"""

CAPTURE_SUFFIX = ".txt"
SIDECAR_SUFFIX = ".meta.yaml"
SPANS_JSONL_SUFFIX = ".spans.jsonl"  # a person's spans, one JSON object per line
BRAT_SUFFIX = ".ann"  # a person's spans in brat standoff
ANNOTATION_SUFFIXES = (SPANS_JSONL_SUFFIX, BRAT_SUFFIX)
BUNDLE_SUFFIXES = (".jsonl", ".jsonl.gz", ".jsonl.zst")  # many captures to a file (bundles.py)


def hidden(name: str) -> bool:
    """Whether a file or folder of raw/ is hidden (its name starts with "."): never input, and left
    out of a release manifest's hash of raw/. The one rule both follow."""
    return name.startswith(".")
