"""The Hugging Face Hub's allowed card metadata, checked locally.

The Hub validates card YAML on its servers (huggingface_hub's DatasetCard.validate
needs the network), so corpuspack checks the values itself against the real lists:
- size categories and language codes from the resource files shipped in the
  pinned `datasets` wheel (datasets/utils/resources/*.json);
- licence ids and task categories from hub_vocabulary.json, generated from the
  Hub's own npm packages by scripts/update_hub_vocabulary.py (no PyPI package
  ships them).
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from corpuspack.checks.card import hub_terms, licence_problem

# Only the bands: the catch-all value differs between the datasets resource
# ("unknown") and huggingface_hub's documentation ("other").
_SIZE_BANDS = (
    (1_000, "n<1K"),
    (10_000, "1K<n<10K"),
    (100_000, "10K<n<100K"),
    (1_000_000, "100K<n<1M"),
    (10_000_000, "1M<n<10M"),
    (100_000_000, "10M<n<100M"),
    (1_000_000_000, "100M<n<1B"),
    (10_000_000_000, "1B<n<10B"),
    (100_000_000_000, "10B<n<100B"),
    (1_000_000_000_000, "100B<n<1T"),
)


class MetadataError(Exception):
    """The release's card metadata would be rejected by the Hub."""


def _datasets_resource(name: str):
    return json.loads(
        resources.files("datasets").joinpath("utils", "resources", name).read_text(encoding="utf-8")
    )


@cache
def vocabulary() -> dict:
    return {
        **hub_terms(),
        "size_categories": set(_datasets_resource("size_categories.json")),
        "language": set(_datasets_resource("languages.json")),
    }


def size_category(count: int) -> str:
    for bound, band in _SIZE_BANDS:
        if count < bound:
            return band
    return "n>1T"


def check(metadata: dict) -> None:
    """Raise MetadataError naming every value the Hub would not accept."""
    allowed = vocabulary()
    problems = []
    for key in ("task_categories", "task_ids", "size_categories", "language"):
        value = metadata.get(key)
        values = value if isinstance(value, list) else ([value] if value is not None else [])
        for item in values:
            if item not in allowed[key]:
                problems.append(f"{key}: {item!r} is not a value the Hugging Face Hub accepts")
    problem = licence_problem(metadata.get("license"), metadata.get("license_name"))
    if problem:
        problems.append(problem)
    if problems:
        raise MetadataError("; ".join(problems))
