"""The card check: a warning for each section of the dataset card that no one has written."""

from __future__ import annotations

from pathlib import Path

from corpuspack.checks.card import SECTIONS, card_findings, missing_sections
from corpuspack.project.datapackage import Settings


def test_each_empty_section_is_one_warning_naming_its_setting():
    settings = Settings.from_descriptor(
        {"card": {"curation_rationale": "Why.", "intended_uses": "  "}}, Path("datapackage.json")
    )
    assert missing_sections(settings) == [key for key in SECTIONS if key != "curation_rationale"]
    findings = card_findings(settings)
    assert [f.code for f in findings] == ["card-section-missing"] * (len(SECTIONS) - 1)
    assert {f.severity for f in findings} == {"warning"}
    assert {f.file for f in findings} == {"datapackage.json"}
    assert findings[0].message == (
        'the dataset card has no "Intended uses" section: write it under corpuspack.card.intended_uses'
    )


def test_a_card_with_every_section_has_no_finding():
    settings = Settings(card={key: f"Text for {key}." for key in SECTIONS})
    assert card_findings(settings) == []
