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

    def add_table(self, table) -> None:
        """The same as add() for every row of an Arrow table in the record schema, counted with
        pyarrow.compute: rows from the cache are never made Python objects."""
        import pyarrow as pa
        import pyarrow.compute as pc

        def counts(array) -> Counter:
            found = pc.value_counts(array)
            return Counter(dict(zip(found.field("values").to_pylist(), found.field("counts").to_pylist())))

        self.count += table.num_rows
        language = table.column("language")
        self.languages.update(pc.unique(pc.filter(language, pc.fill_null(pc.not_equal(language, ""), False)))
                              .to_pylist())
        spans = pc.list_flatten(table.column("annotations"))
        if len(spans):
            pairs = pa.table({"label": pc.struct_field(spans, "label"), "source": pc.struct_field(spans, "source")})
            grouped = pairs.group_by(["label", "source"]).aggregate([([], "count_all")])
            self.annotations.update(dict(zip(zip(grouped.column("label").to_pylist(),
                                                 grouped.column("source").to_pylist()),
                                             grouped.column("count_all").to_pylist())))
        self.outlets.update(counts(table.column("outlet")))
        years = pc.cast(pc.year(table.column("published_date")), pa.string())
        self.years.update(counts(pc.fill_null(years, "unknown")))
        self.precision.update(counts(table.column("published_precision")))
        self.with_notes += pc.sum(pc.greater(pc.fill_null(pc.list_value_length(table.column("sidecar_notes")), 0),
                                             0)).as_py() or 0
        removed = pc.list_flatten(table.column("removed"))
        if len(removed):
            self.removed.update(counts(pc.struct_field(removed, "rule")))

    @classmethod
    def of(cls, articles: Iterable[Article]) -> Summary:
        summary = cls()
        for article in articles:
            summary.add(article)
        return summary
