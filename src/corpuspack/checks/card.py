"""The dataset card's sections that only a person can write, and the check that they are written.

The card (release/card.py) takes these sections from the settings under
corpuspack.card; a release whose card would lack one is flagged here, so that
`validate` and `build` can run the same check.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from corpuspack.findings.report import Finding, error, warning
from corpuspack.project.datapackage import Settings

# Setting under corpuspack.card -> the card's heading, in the card's order.
SECTIONS = {
    "curation_rationale": "Curation rationale",
    "intended_uses": "Intended uses",
    "out_of_scope_uses": "Out-of-scope uses",
    "biases_and_limitations": "Biases and limitations",
    "personal_information": "Personal information",
    "source_licensing": "Licensing of the source texts",
}


def missing_sections(settings: Settings) -> list[str]:
    """The settings under corpuspack.card that are empty: the card would lack those sections."""
    return [key for key in SECTIONS if not settings.card.get(key, "").strip()]


AUTHOR_ROLES = {"author", "creator", "contributor"}


def authors(descriptor: dict) -> list[str]:
    """The contributors a release's CITATION.cff cites."""
    return [
        c["title"]
        for c in descriptor.get("contributors") or []
        if isinstance(c, dict) and c.get("title") and c.get("role", "author") in AUTHOR_ROLES
    ]


@cache
def hub_terms() -> dict[str, set[str]]:
    """The licence ids and task names the Hugging Face Hub accepts (hub_vocabulary.json, made
    from the Hub's own packages by scripts/update_hub_vocabulary.py)."""
    text = resources.files(__package__).joinpath("hub_vocabulary.json").read_text("utf-8")
    hub = json.loads(text)
    return {key: set(hub[key]) for key in ("license", "task_categories", "task_ids")}


def licence_problem(licence: object, license_name: str | None) -> str | None:
    """Why the card's licence (lower-cased, as the card writes it) cannot be given to the
    Hugging Face Hub, if it cannot."""
    if not licence:
        return "license: missing; set licenses[0].name in datapackage.json"
    if licence not in hub_terms()["license"]:
        return (
            f"license: {licence!r} is not a licence id the Hugging Face Hub accepts (such as "
            "cc-by-4.0, odbl, gpl-3.0, mit); write one of its ids in licenses[0].name, or "
            '"other" with corpuspack.license_name'
        )
    if licence == "other" and not license_name:
        return (
            "license 'other' needs a license_name: set \"license_name\" (a short lowercase "
            'hyphenated id) under "corpuspack" in datapackage.json'
        )
    return None


def metadata_findings(descriptor: dict, settings: Settings) -> list[Finding]:
    """What would stop a release's metadata being written: the card's licence, the citation's
    authors (the same rules release/hub.py and release/citation.py apply when writing)."""
    found = []
    licences = descriptor.get("licenses") or [{}]
    first = licences[0] if isinstance(licences, list) and isinstance(licences[0], dict) else {}
    name = first.get("name")
    problem = licence_problem(
        name.lower() if isinstance(name, str) else name, settings.license_name
    )
    if problem:
        found.append(error("datapackage.json", "release-metadata", problem))
    for key in ("task_categories", "task_ids"):
        unknown = sorted(set(getattr(settings, key)) - hub_terms()[key])
        if unknown:
            found.append(
                error(
                    "datapackage.json",
                    "release-metadata",
                    f"corpuspack.{key}: {', '.join(map(repr, unknown))} are not values the "
                    "Hugging Face Hub accepts",
                )
            )
    if not authors(descriptor):
        found.append(
            error(
                "datapackage.json",
                "release-metadata",
                'CITATION.cff needs at least one contributor with a "title" (and role author); '
                'add one under "contributors"',
            )
        )
    return found


def card_findings(settings: Settings) -> list[Finding]:
    """A warning for each section the card would lack (a failure with --strict)."""
    return [
        warning(
            "datapackage.json",
            "card-section-missing",
            f'the dataset card has no "{SECTIONS[key]}" section: write it under corpuspack.card.{key}',
        )
        for key in missing_sections(settings)
    ]
