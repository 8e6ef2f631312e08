"""The dataset card's sections that only a person can write, and the check that they are written.

The card (release/card.py) takes these sections from the settings under
corpuspack.card; a release whose card would lack one is flagged here, so that
`validate` and `build` can run the same check.
"""

from __future__ import annotations

from corpuspack.findings.report import Finding, warning
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
