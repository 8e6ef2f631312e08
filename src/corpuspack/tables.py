"""The release's tables besides the articles: rows derived from the article records."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from .article import Article

QUOTE_FIELDS = ("article_id", "speaker", "speaker_as_written", "quote", "start", "end", "outlet", "published",
                "published_date", "source")


def quote_rows_of(table) -> list[dict]:
    """One row per QUOTE annotation, by article id and position: the "quotes" configuration's rows of one
    release file, from its article rows (an Arrow table sorted by id)."""
    rows = []
    columns = table.select(["id", "outlet", "published", "published_date", "annotations"]).to_pylist()
    for article in columns:
        for annotation in article["annotations"]:
            if annotation["label"] != "QUOTE":
                continue
            attributes = {a["name"]: a["value"] for a in annotation["attributes"]}
            rows.append({
                "article_id": article["id"],
                "speaker": attributes.get("speaker"),
                "speaker_as_written": attributes.get("speaker_as_written"),
                "quote": annotation["text"],
                "start": annotation["start"],
                "end": annotation["end"],
                "outlet": article["outlet"],
                "published": article["published"],
                "published_date": article["published_date"],
                "source": annotation["source"],
            })
    return rows


@dataclass
class Summary:
    """The counts the dataset card shows, summed one article at a time (the records are not kept)."""

    count: int = 0
    languages: set = field(default_factory=set)
    annotations: Counter = field(default_factory=Counter)  # (label, source) -> spans
    outlets: Counter = field(default_factory=Counter)
    years: Counter = field(default_factory=Counter)
    precision: Counter = field(default_factory=Counter)
    with_notes: int = 0
    removed: Counter = field(default_factory=Counter)  # rule -> lines

    def add(self, article: Article) -> None:
        self.count += 1
        if article.language:
            self.languages.add(article.language)
        self.annotations.update((a.label, a.source) for a in article.annotations)
        self.outlets[article.outlet] += 1
        self.years[str(article.published_date.year) if article.published_date else "unknown"] += 1
        self.precision[article.published_precision] += 1
        self.with_notes += bool(article.sidecar_notes)
        self.removed.update(r.rule for r in article.removed)

    @classmethod
    def of(cls, articles: Iterable[Article]) -> Summary:
        summary = cls()
        for article in articles:
            summary.add(article)
        return summary
