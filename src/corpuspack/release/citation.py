"""CITATION.cff (Citation File Format 1.2.0) for a release, from the source datapackage.json.

Written by hand with a YAML dump: the format's own converter (cffconvert 2.0) pins
jsonschema < 4, which conflicts with the jsonschema corpuspack validates with. The keys
the format requires (cff-version, message, title, authors) are checked here.
"""

from __future__ import annotations

import datetime as dt
import re

import yaml

from corpuspack.checks.card import authors as cited

_SPDX_LIKE = re.compile(r"^[A-Za-z0-9.+-]+$")


class CitationError(Exception):
    pass


def render(descriptor: dict, *, release_date: str | None) -> str:
    """release_date: ISO date the version was released (from datapackage.json's "created"), or None."""
    authors = [{"name": title} for title in cited(descriptor)]
    if not authors:
        raise CitationError(
            'datapackage.json: CITATION.cff needs at least one contributor with a "title" '
            '(and role author); add one under "contributors"'
        )
    citation: dict = {
        "cff-version": "1.2.0",
        "message": "If you use this dataset, please cite this release as below.",
        "type": "dataset",
        "title": descriptor["title"],
        "version": descriptor["version"],
    }
    if release_date:
        citation["date-released"] = dt.date.fromisoformat(
            release_date
        )  # a YAML date, as CFF's examples write it
    citation["authors"] = authors
    if descriptor.get("description"):
        citation["abstract"] = descriptor["description"]
    if descriptor.get("keywords"):
        citation["keywords"] = list(descriptor["keywords"])
    licence = (descriptor.get("licenses") or [{}])[0].get("name", "")
    # CFF takes SPDX identifiers only; a licence the Hub calls "other" has none.
    if licence and licence.lower() != "other" and _SPDX_LIKE.match(licence):
        citation["license"] = licence
    if descriptor.get("homepage"):
        citation["url"] = descriptor["homepage"]
    return yaml.safe_dump(citation, sort_keys=False, allow_unicode=True, width=100)
