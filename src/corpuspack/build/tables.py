"""The release's tables besides the articles: rows derived from the article records."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from corpuspack.article.record import Article

QUOTE_FIELDS = (
    "article_id",
    "speaker",
    "speaker_as_written",
    "attribution",
    "quote",
    "start",
    "end",
    "outlet",
    "published",
    "published_date",
    "source",
)


def quote_table_of(table, schema):
    """The "quotes" configuration's rows of one release file (in the Arrow schema given), from its
    article rows (an Arrow table sorted by id): one row per QUOTE annotation, by article id and
    position, made column by column with pyarrow.compute (per article in Python, this was most of
    the time it takes to write a file of 10,000 articles)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    annotations = table.column("annotations").combine_chunks()
    spans = pc.list_flatten(annotations)
    owners = pc.list_parent_indices(annotations)
    quote = pc.fill_null(pc.equal(pc.struct_field(spans, "label"), "QUOTE"), False)
    spans, owners = spans.filter(quote), owners.filter(quote)
    attributes = pc.struct_field(spans, "attributes")
    listed = pc.list_flatten(attributes)
    listed_by = pc.list_parent_indices(attributes).to_numpy()
    names = pc.struct_field(listed, "name")

    def attribute(name: str):
        """Each quote's value of the attribute name (the last, if given twice); null if it has none."""
        hits = np.flatnonzero(
            pc.fill_null(pc.equal(names, name), False).to_numpy(zero_copy_only=False)
        )
        # The last of each quote's: numpy does not promise which of repeated indices an assignment keeps.
        owners_of_hits = listed_by[hits][::-1]
        quotes_with, last = np.unique(owners_of_hits, return_index=True)
        at = np.full(len(spans), -1, dtype=np.int64)
        at[quotes_with] = hits[::-1][last]
        return pc.struct_field(listed, "value").take(pa.array(at, mask=at < 0))

    def of_article(name: str):
        return table.column(name).take(owners)

    columns = {
        "article_id": of_article("id"),
        "speaker": attribute("speaker"),
        "speaker_as_written": attribute("speaker_as_written"),
        "attribution": attribute("attribution"),
        "quote": pc.struct_field(spans, "text"),
        "start": pc.struct_field(spans, "start"),
        "end": pc.struct_field(spans, "end"),
        "outlet": of_article("outlet"),
        "published": of_article("published"),
        "published_date": of_article("published_date"),
        "source": pc.struct_field(spans, "source"),
    }
    return pa.Table.from_arrays([pc.cast(columns[f.name], f.type) for f in schema], schema=schema)


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
            return Counter(
                dict(
                    zip(
                        found.field("values").to_pylist(),
                        found.field("counts").to_pylist(),
                        strict=True,
                    )
                )
            )

        self.count += table.num_rows
        language = table.column("language")
        self.languages.update(
            pc.unique(
                pc.filter(language, pc.fill_null(pc.not_equal(language, ""), False))
            ).to_pylist()
        )
        spans = pc.list_flatten(table.column("annotations"))
        if len(spans):
            pairs = pa.table(
                {
                    "label": pc.struct_field(spans, "label"),
                    "source": pc.struct_field(spans, "source"),
                }
            )
            grouped = pairs.group_by(["label", "source"]).aggregate([([], "count_all")])
            pair_keys = zip(
                grouped.column("label").to_pylist(),
                grouped.column("source").to_pylist(),
                strict=True,
            )
            spans_of = grouped.column("count_all").to_pylist()
            self.annotations.update(dict(zip(pair_keys, spans_of, strict=True)))
        self.outlets.update(counts(table.column("outlet")))
        years = pc.cast(pc.year(table.column("published_date")), pa.string())
        self.years.update(counts(pc.fill_null(years, "unknown")))
        self.precision.update(counts(table.column("published_precision")))
        self.with_notes += (
            pc.sum(
                pc.greater(pc.fill_null(pc.list_value_length(table.column("sidecar_notes")), 0), 0)
            ).as_py()
            or 0
        )
        removed = pc.list_flatten(table.column("removed"))
        if len(removed):
            self.removed.update(counts(pc.struct_field(removed, "rule")))

    @classmethod
    def of(cls, articles: Iterable[Article]) -> Summary:
        summary = cls()
        for article in articles:
            summary.add(article)
        return summary
