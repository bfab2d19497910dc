"""Just enough PromQL reading to find the metric names and labels a query uses.

Not a parser: promtool checks the syntax. This pulls out selectors, label matchers and
grouping labels with regular expressions, which is enough to catch a renamed metric or
label in a dashboard or rule.
"""

import re
from dataclasses import dataclass

_KEYWORDS = frozenset(
    {
        # binary and set operators, modifiers
        "and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring",
        "group_left", "group_right", "atan2",
        # aggregation operators (may be followed by `by (...)` rather than `(`)
        "sum", "min", "max", "avg", "count", "stddev", "stdvar", "topk", "bottomk",
        "quantile", "count_values", "group", "limitk", "limit_ratio",
        # literals
        "inf", "nan",
    }
)  # fmt: skip
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'')
_SELECTOR = re.compile(r"(?<![\w:.])([a-zA-Z_:][\w:]*)\s*\{([^}]*)\}")
_BRACES = re.compile(r"\{([^}]*)\}")
_MATCHER = re.compile(r'\s*([a-zA-Z_]\w*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*,?')
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)")
_RANGE = re.compile(r"\[[^\]]*\]")
_IDENT = re.compile(r"(?<![\w:.$])([a-zA-Z_:][\w:]*)(?![\w:])(?!\s*\()")
_GRAFANA_VAR = re.compile(r"\$\{?(\w+)(?::\w+)?\}?")


@dataclass(frozen=True)
class Matcher:
    """One label matcher such as `tier=~"P0|P1"`."""

    label: str
    op: str
    value: str


@dataclass(frozen=True)
class Selector:
    """A metric name with the label matchers written next to it."""

    metric: str
    matchers: tuple[Matcher, ...]


@dataclass(frozen=True)
class QueryUse:
    """Everything a query reads: its selectors and the labels it groups or joins on."""

    selectors: tuple[Selector, ...]
    grouping_labels: frozenset[str]


def substitute_grafana_vars(expr: str) -> str:
    """Replace Grafana variables with values PromQL accepts (`5m` for intervals, `.*` else)."""
    return _GRAFANA_VAR.sub(lambda m: "5m" if m.group(1).startswith("__") else ".*", expr)


def parse_matchers(body: str) -> tuple[Matcher, ...]:
    """Split the inside of `{...}` into matchers; raise ValueError on anything unreadable."""
    matchers: list[Matcher] = []
    pos = 0
    body = body.strip()
    while pos < len(body):
        m = _MATCHER.match(body, pos)
        if m is None:
            raise ValueError(f"cannot read label matchers {body!r} at {body[pos:]!r}")
        matchers.append(Matcher(m.group(1), m.group(2), m.group(3)))
        pos = m.end()
    return tuple(matchers)


def query_use(expr: str) -> QueryUse:
    """Return the selectors and grouping labels used by a PromQL expression."""
    selectors = [Selector(m.group(1), parse_matchers(m.group(2))) for m in _SELECTOR.finditer(expr)]
    for m in _BRACES.finditer(_SELECTOR.sub(" ", expr)):
        name = next((x for x in parse_matchers(m.group(1)) if x.label == "__name__"), None)
        if name is None or name.op != "=":
            raise ValueError(f"selector without a fixed metric name in {expr!r}")
    grouping = frozenset(
        label.strip()
        for m in _GROUPING.finditer(expr)
        for label in m.group(1).split(",")
        if label.strip()
    )
    stripped = _GROUPING.sub(" ", _RANGE.sub(" ", _STRING.sub('""', expr)))
    stripped = _BRACES.sub(" ", stripped)
    named = {s.metric for s in selectors}
    for m in _IDENT.finditer(stripped):
        word = m.group(1)
        if word.lower() not in _KEYWORDS and word not in named:
            selectors.append(Selector(word, ()))
            named.add(word)
    return QueryUse(tuple(selectors), grouping)


def literal_values(matcher: Matcher) -> tuple[str, ...] | None:
    """Return the values an `=` or plain-alternation `=~` matcher names, None if it is a pattern."""
    if matcher.op == "=":
        return (matcher.value,)
    if matcher.op == "=~" and re.fullmatch(r"[\w\-]+(\|[\w\-]+)*", matcher.value):
        return tuple(matcher.value.split("|"))
    return None
