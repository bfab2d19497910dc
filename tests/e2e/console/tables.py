"""Read a console page's tables by id: each row's cells, keyed by a ``data-`` attribute."""

from __future__ import annotations

from html.parser import HTMLParser


class Tables(HTMLParser):
    """The rows of each table with an id: row key (data-person/tier/...) -> cell texts."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: dict[str, list[tuple[dict[str, str | None], list[str]]]] = {}
        self._table: str | None = None
        self._cells: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Open a table, a row or a cell."""
        found = dict(attrs)
        if tag == "table" and found.get("id"):
            self._table = found["id"]
            self.tables[self._table or ""] = []
        elif tag == "tr" and self._table:
            self._cells = []
            self.tables[self._table].append((found, self._cells))
        elif tag in ("td", "th") and self._cells is not None:
            self._cells.append("")

    def handle_endtag(self, tag: str) -> None:
        """Close a table."""
        if tag == "table":
            self._table, self._cells = None, None

    def handle_data(self, data: str) -> None:
        """Add text to the open cell."""
        if self._cells:
            self._cells[-1] += data

    def rows(self, table: str, key: str) -> dict[str, list[str]]:
        """Return the rows of ``table`` having ``data-<key>``, by that value."""
        return {
            str(attrs[f"data-{key}"]): [c.strip() for c in cells]
            for attrs, cells in self.tables[table]
            if f"data-{key}" in attrs
        }
