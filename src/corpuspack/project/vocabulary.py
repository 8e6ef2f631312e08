"""The annotation vocabulary: labels, their types and aliases, from schema/annotations.schema.json."""

from __future__ import annotations

from dataclasses import dataclass, field


class VocabularyError(Exception):
    """schema/annotations.schema.json is inconsistent: a project problem, not a contribution's."""


@dataclass(frozen=True)
class Vocabulary:
    """Labels, their types and aliases, and which labels may not overlap: from schema/annotations.schema.json."""

    labels: dict[str, str]  # canonical label -> type
    aliases: dict[str, str]  # casefolded label or alias -> canonical label
    exclusive: tuple[frozenset[str], ...] = ()
    descriptor: dict = field(default_factory=dict, compare=False)

    @classmethod
    def from_descriptor(
        cls, descriptor: dict, shown: str = "schema/annotations.schema.json"
    ) -> Vocabulary:
        try:
            fields = {f["name"]: f for f in descriptor["fields"]}
            label_enum = fields["label"]["constraints"]["enum"]
            type_enum = fields["type"]["constraints"]["enum"]
            entries = descriptor["corpuspack:labels"]
        except (KeyError, TypeError) as exc:
            raise VocabularyError(
                f'{shown}: needs fields "type" and "label" with an enum each, and '
                f'"corpuspack:labels" (missing {exc})'
            ) from exc
        if sorted(entries) != sorted(label_enum):
            raise VocabularyError(
                f"{shown}: the label field's enum ({', '.join(label_enum)}) and the labels "
                f"under corpuspack:labels ({', '.join(entries)}) must be the same"
            )
        labels: dict[str, str] = {}
        aliases: dict[str, str] = {}
        for label, entry in entries.items():
            if entry.get("type") not in type_enum:
                raise VocabularyError(
                    f"{shown}: label {label} has type {entry.get('type')!r}; "
                    f"use one of the type field's enum: {', '.join(type_enum)}"
                )
            labels[label] = entry["type"]
            for name in (label, *entry.get("aliases", [])):
                if name.casefold() in aliases and aliases[name.casefold()] != label:
                    raise VocabularyError(
                        f"{shown}: {name!r} is an alias of both {aliases[name.casefold()]} "
                        f"and {label}"
                    )
                aliases[name.casefold()] = label
        groups = []
        for group in descriptor.get("corpuspack:noOverlap", []):
            unknown = sorted(set(group) - set(labels))
            if unknown:
                raise VocabularyError(
                    f"{shown}: corpuspack:noOverlap names unknown label(s) {', '.join(unknown)}"
                )
            groups.append(frozenset(group))
        return cls(labels=labels, aliases=aliases, exclusive=tuple(groups), descriptor=descriptor)

    def canonical(self, label: str) -> str | None:
        return self.aliases.get(label.casefold())

    @property
    def item_fields(self) -> list[dict]:
        """The fields of one annotation in an article's annotations column (all but article_id)."""
        return [f for f in self.descriptor["fields"] if f["name"] != "article_id"]

    def known(self) -> str:
        entries = self.descriptor.get("corpuspack:labels", {})
        return ", ".join(
            label
            + (
                f" (or {', '.join(entries.get(label, {}).get('aliases', []))})"
                if entries.get(label, {}).get("aliases")
                else ""
            )
            for label in self.labels
        )
