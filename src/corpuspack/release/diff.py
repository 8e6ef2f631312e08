"""What changed between two releases: articles added, removed and changed, schema, splits."""

from __future__ import annotations

import difflib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pyarrow.parquet as pq

# Fields that are bookkeeping of another field: a changed capture always changes its hash.
_TEXT_DIFF_LINES = 12


class DiffError(Exception):
    pass


@dataclass
class Changed:
    id: str
    raw_path: str
    fields: list[str]
    text_diff: list[str] = field(default_factory=list)


@dataclass
class ReleaseDiff:
    old: str
    new: str
    added: list[dict] = field(default_factory=list)  # {"id", "raw_path"}
    removed: list[dict] = field(default_factory=list)
    changed: list[Changed] = field(default_factory=list)
    schema_added: list[str] = field(default_factory=list)
    schema_removed: list[str] = field(default_factory=list)
    schema_changed: list[str] = field(default_factory=list)
    split_moves: list[dict] = field(default_factory=list)  # {"id", "from", "to"}
    old_fields: dict[str, dict] = field(
        default_factory=dict, repr=False
    )  # the articles' field descriptors
    new_fields: dict[str, dict] = field(default_factory=dict, repr=False)

    @property
    def empty(self) -> bool:
        return not (
            self.added
            or self.removed
            or self.changed
            or self.schema_added
            or self.schema_removed
            or self.schema_changed
            or self.split_moves
        )

    def to_dict(self) -> dict:
        return {
            "old": self.old,
            "new": self.new,
            "articles": {
                "added": self.added,
                "removed": self.removed,
                "changed": [asdict(c) for c in self.changed],
            },
            "schema": {
                "added": self.schema_added,
                "removed": self.schema_removed,
                "changed": self.schema_changed,
            },
            "splits": {"moved": self.split_moves},
        }


def _load(release: Path) -> tuple[dict, dict[str, dict], dict[str, str]]:
    """(release datapackage, rows by id, split by id)."""
    try:
        descriptor = json.loads((release / "datapackage.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DiffError(
            f"{release}: not a release folder (no readable datapackage.json): {exc}"
        ) from exc
    rows: dict[str, dict] = {}
    splits: dict[str, str] = {}
    for resource in descriptor.get("resources", []):
        if resource.get("name") != "articles" and not resource.get("name", "").startswith(
            "articles-"
        ):
            continue  # the other configurations (quotes) are derived from the articles' rows
        path = release / resource["path"]
        split = Path(resource["path"]).name.split("-", 1)[0]
        for row in pq.read_table(path).to_pylist():
            rows[row["id"]] = row
            splits[row["id"]] = split
    return descriptor, rows, splits


def _fields(descriptor: dict) -> dict[str, dict]:
    """Every configuration's fields: the articles' by name, another's as "<config>.<name>"
    (a column added to the quotes is a field added like any other)."""
    found = {}
    for index, resource in enumerate(descriptor.get("resources") or []):
        prefix = "" if index == 0 else f"{resource.get('name', index)}."
        for item in resource.get("schema", {}).get("fields", []):
            found[prefix + item["name"]] = item
    return found


def diff(old: Path, new: Path) -> ReleaseDiff:
    old_descriptor, old_rows, old_splits = _load(old)
    new_descriptor, new_rows, new_splits = _load(new)
    result = ReleaseDiff(
        old=old_descriptor.get("version", str(old)), new=new_descriptor.get("version", str(new))
    )
    result.added = [
        {"id": i, "raw_path": new_rows[i]["raw_path"]}
        for i in sorted(set(new_rows) - set(old_rows))
    ]
    result.removed = [
        {"id": i, "raw_path": old_rows[i]["raw_path"]}
        for i in sorted(set(old_rows) - set(new_rows))
    ]
    for article_id in sorted(set(old_rows) & set(new_rows)):
        before, after = old_rows[article_id], new_rows[article_id]
        changed = sorted(
            name for name in set(before) | set(after) if before.get(name) != after.get(name)
        )
        if not changed:
            continue
        text_diff = []
        if "text" in changed:
            lines = difflib.unified_diff(
                (before.get("text") or "").split("\n\n"),
                (after.get("text") or "").split("\n\n"),
                lineterm="",
                n=0,
            )
            text_diff = [line for line in lines if not line.startswith(("---", "+++", "@@"))][
                :_TEXT_DIFF_LINES
            ]
        result.changed.append(
            Changed(id=article_id, raw_path=after["raw_path"], fields=changed, text_diff=text_diff)
        )
    old_fields, new_fields = _fields(old_descriptor), _fields(new_descriptor)
    result.old_fields, result.new_fields = old_fields, new_fields
    result.schema_added = sorted(set(new_fields) - set(old_fields))
    result.schema_removed = sorted(set(old_fields) - set(new_fields))
    result.schema_changed = sorted(
        n for n in set(old_fields) & set(new_fields) if old_fields[n] != new_fields[n]
    )
    result.split_moves = [
        {"id": i, "from": old_splits[i], "to": new_splits[i]}
        for i in sorted(set(old_splits) & set(new_splits))
        if old_splits[i] != new_splits[i]
    ]
    return result


def render_text(result: ReleaseDiff) -> str:
    lines = [f"{result.old} -> {result.new}"]
    if result.empty:
        return lines[0] + ": no differences"
    for entry in result.added:
        lines.append(f"+ {entry['id']} {entry['raw_path']} (added)")
    for entry in result.removed:
        lines.append(f"- {entry['id']} {entry['raw_path']} (removed)")
    for change in result.changed:
        lines.append(f"~ {change.id} {change.raw_path}: {', '.join(change.fields)}")
        lines += [f"    {line}" for line in change.text_diff]
    for label, names in (
        ("schema: added field", result.schema_added),
        ("schema: removed field", result.schema_removed),
        ("schema: changed field", result.schema_changed),
    ):
        lines += [f"{label} {name}" for name in names]
    lines += [f"split: {m['id']} moved from {m['from']} to {m['to']}" for m in result.split_moves]
    lines.append(
        f"{len(result.added)} added, {len(result.removed)} removed, {len(result.changed)} changed"
    )
    return "\n".join(lines)
