"""Reading configuration YAML, and turning pydantic errors into messages for YAML editors.

The loader reads YAML 1.2 style scalars: ``20:00`` stays a string (YAML 1.1 would read the
number 1200) and only ``true``/``false`` are booleans (YAML 1.1 reads the country code
``NO`` as false). Dates stay strings so that pydantic reports a bad one with its path.
Duplicate keys are an error rather than the last one silently winning.
"""

from __future__ import annotations

import re
import types
import typing
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from escalations.core.config_checks import ConfigIssue, Loc
from escalations.core.config_types import suggest

_INT = re.compile(r"^[-+]?(?:0|[1-9][0-9_]*)$")
_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_IDENTIFIER_PATTERN = r"^[a-z0-9][a-z0-9_.-]*$"


class YamlSyntaxError(ValueError):
    """The text is not YAML; ``line`` is where the parser gave up, when it knows."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


class ConfigLoader(yaml.SafeLoader):
    """A safe loader with YAML 1.2 style ints and booleans that records duplicate keys."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicates: list[tuple[int, str]] = []


ConfigLoader.yaml_implicit_resolvers = {
    first: [(tag, regex) for tag, regex in resolvers if tag not in (
        "tag:yaml.org,2002:int", "tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}  # fmt: skip
ConfigLoader.add_implicit_resolver("tag:yaml.org,2002:int", _INT, list("-+0123456789"))
ConfigLoader.add_implicit_resolver("tag:yaml.org,2002:bool", _BOOL, list("tTfF"))


def _mapping(loader: ConfigLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            loader.duplicates.append((key_node.start_mark.line + 1, str(key)))
        seen.add(key)
    return loader.construct_mapping(node)


ConfigLoader.add_constructor("tag:yaml.org,2002:map", _mapping)


def read_yaml(text: str, name: str) -> tuple[Any, dict[Loc, int], list[ConfigIssue]]:
    """Parse YAML text; return the data, a map of path -> line, and duplicate-key issues.

    Raises ``YamlSyntaxError`` (a ``ValueError``) when the text is not YAML.
    """
    try:
        loader = ConfigLoader(text)
    except yaml.YAMLError as error:  # a control character is refused before parsing starts
        raise _syntax_error(error, name) from None
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as error:
        raise _syntax_error(error, name) from None
    finally:
        loader.dispose()
    lines: dict[Loc, int] = {}
    if node is not None:
        _collect_lines(node, (), lines)
    duplicates = [
        ConfigIssue((), f"key '{key}' appears twice in one mapping; keep one", line=line)
        for line, key in loader.duplicates
    ]
    return data, lines, duplicates


def _syntax_error(error: yaml.YAMLError, name: str) -> YamlSyntaxError:
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or str(error)
    where = f" at column {mark.column + 1}" if mark is not None else ""
    return YamlSyntaxError(
        f"YAML syntax error{where}: {problem}; check the indentation and brackets there, "
        "and quote values that contain ': ' or ' #'",
        mark.line + 1 if mark is not None else None,
    )


def _collect_lines(node: yaml.Node, loc: Loc, lines: dict[Loc, int]) -> None:
    lines[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            child = (*loc, str(key_node.value))
            _collect_lines(value_node, child, lines)
            lines[child] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _collect_lines(item, (*loc, index), lines)


def line_of(loc: Loc, lines: dict[Loc, int]) -> int | None:
    """Return the line of the deepest known prefix of ``loc``."""
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None


def translate(error: ValidationError, prefix: Loc, model: type[BaseModel]) -> list[ConfigIssue]:
    """Turn a pydantic error into issues with YAML paths and fix hints."""
    issues = []
    for detail in error.errors(include_url=False):
        if detail["type"] == "too_short" and detail.get("input"):
            continue  # pydantic adds this when items failed; the item errors say why
        loc = tuple(part for part in detail["loc"] if not _is_internal(part))
        if detail["type"] == "extra_forbidden" and detail["loc"][-1:] != loc[-1:]:
            loc = (*loc, detail["loc"][-1])  # the unknown key as written, '[' and all
        issues.append(ConfigIssue((*prefix, *loc), _message(detail, loc, model)))
    return issues


def _is_internal(part: str | int) -> bool:
    # pydantic names union branches and validator functions in locations; YAML has none.
    return isinstance(part, str) and ("[" in part or part.startswith("function-"))


def _message(detail: Any, loc: Loc, model: type[BaseModel]) -> str:
    kind, value, ctx = detail["type"], detail.get("input"), detail.get("ctx") or {}
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        known = sorted(_fields_at(model, loc[:-1]))
        return f"unknown field '{loc[-1]}'{suggest(str(loc[-1]), known)}" + (
            f"; allowed: {', '.join(known)}" if known else ""
        )
    if kind in ("enum", "literal_error"):
        allowed = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        hint = suggest(str(value), allowed)
        return f"unknown value '{value}'{hint}" + (
            "" if hint else f"; use one of {', '.join(allowed)}"
        )
    if kind == "string_pattern_mismatch" and ctx.get("pattern") == _IDENTIFIER_PATTERN:
        return f"'{value}' is not a valid id; use lower-case letters, digits, '_', '.', '-'"
    if kind == "too_short" and isinstance(value, list | tuple) and not value:
        return "empty list; add at least one entry"
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        words = {"ge": "at least", "le": "at most", "gt": "more than", "lt": "less than"}
        limit = next((f"{words[k]} {v}" for k, v in ctx.items() if k in words), "in range")
        return f"{value!r} is out of range; it must be {limit}"
    if kind == "timezone_aware":
        return f"'{value}' has no time zone; write it like 2026-12-24T09:00:00Z"
    if kind.startswith(("datetime_", "date_")):
        return f"'{value}' is not a date/time; write it like 2026-12-24 or 2026-12-24T09:00:00Z"
    message = str(detail["msg"])
    return message.removeprefix("Value error, ").removeprefix("Assertion failed, ")


def _fields_at(model: type[BaseModel], loc: Loc) -> set[str]:
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        fields = getattr(current, "model_fields", None)
        if fields is None or part not in fields:
            return set()
        current = _inner_model(fields[part].annotation)
        if current is None:
            return set()
    return set(getattr(current, "model_fields", {}))


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is not None:
        for arg in typing.get_args(annotation):
            found = _inner_model(arg)
            if found is not None:
                return found
    return None
