"""Which outlet a capture is from, and so which profile extraction applies to it."""

from __future__ import annotations

from collections.abc import Collection

from corpuspack.article.profiles import Profile, Registry
from corpuspack.capture.model import RawDocument
from corpuspack.capture.sidecar import Sidecar
from corpuspack.findings.report import Finding, error, warning


def resolve_outlet(
    doc: RawDocument, registry: Registry, known_outlets: Collection[str]
) -> tuple[str | None, Profile | None, list[Finding]]:
    """The capture's outlet and its profile: the sidecar's outlet if it names one, else its folder's."""
    side = doc.sidecar
    if side and side.values.get("outlet"):
        return _sidecar_outlet(side, registry, known_outlets)
    profile = registry.by_slug(doc.outlet_dir)
    if profile:
        return profile.outlet, profile, []
    # The corpus's outlets (its schema's enum) only: corpuspack's own profiles of other outlets
    # are no answer in a corpus that does not hold them.
    slugs = ", ".join(
        p.slug for p in registry.profiles if not known_outlets or p.outlet in known_outlets
    )
    where = f"raw/{doc.outlet_dir}/" if doc.outlet_dir else "raw/ itself"
    return (
        None,
        None,
        [
            error(
                doc.path,
                "unknown-outlet",
                f"{where} names no outlet profile; put the capture in raw/<outlet>/ "
                + (f"(one of: {slugs})" if slugs else "(with a profile in profiles/<outlet>.yaml)")
                + " or set outlet in its sidecar",
                field="outlet",
            )
        ],
    )


def _sidecar_outlet(
    side: Sidecar, registry: Registry, known_outlets: Collection[str]
) -> tuple[str | None, Profile | None, list[Finding]]:
    given = side.values["outlet"]
    canonical = registry.canonical_outlet(given)
    if canonical:
        return canonical, registry.by_outlet(canonical), []
    if given in known_outlets:
        return (
            given,
            None,
            [
                warning(
                    side.path,
                    "outlet-without-profile",
                    f"outlet {given!r} has no profile, so only the generic rules remove "
                    "furniture; add src/corpuspack/article/profiles/<slug>.yaml",
                    line=side.lines.get("outlet"),
                    field="outlet",
                )
            ],
        )
    known = ", ".join(sorted({*known_outlets, *(p.outlet for p in registry.profiles)}))
    return (
        None,
        None,
        [
            error(
                side.path,
                "unknown-outlet",
                f"unknown outlet {given!r}; use one of: {known} (or add a profile and "
                "the outlet to the schema's enum)",
                line=side.lines.get("outlet"),
                field="outlet",
            )
        ],
    )
