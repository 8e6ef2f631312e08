"""The release's tables besides the articles: rows derived from the article records."""

from __future__ import annotations

from collections.abc import Iterable

from .article import Article

QUOTE_FIELDS = ("article_id", "speaker", "speaker_as_written", "quote", "start", "end", "outlet", "published",
                "published_date", "source")


def quote_rows(articles: Iterable[Article]) -> list[dict]:
    """One row per QUOTE annotation, by article id and position: the "quotes" configuration."""
    rows = []
    for article in sorted(articles, key=lambda a: a.id):
        for annotation in article.annotations:
            if annotation.label != "QUOTE":
                continue
            rows.append({
                "article_id": article.id,
                "speaker": annotation.attribute("speaker"),
                "speaker_as_written": annotation.attribute("speaker_as_written"),
                "quote": annotation.text,
                "start": annotation.start,
                "end": annotation.end,
                "outlet": article.outlet,
                "published": article.published,
                "published_date": article.published_date,
                "source": annotation.source,
            })
    return rows
