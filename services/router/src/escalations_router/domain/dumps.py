"""JSON dumps of the shared, frozen parts of decisions, made once per object."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

DUMPS_REMEMBERED = 4096


class Dumps:
    """JSON dumps of shared, frozen decision parts, made once per object.

    A route from the routing memo, level 1 from the duty memo and a team's policy from the
    configuration are the same objects for many escalations. Their dumps are shared by the
    rows that store them: nothing changes a stored part in place (rows replace it whole).
    """

    def __init__(self) -> None:
        self._made: dict[int, tuple[object, Any]] = {}

    def of(self, part: BaseModel | tuple[BaseModel, ...]) -> Any:
        """Return ``part`` as JSON-ready data (a list for a tuple of models)."""
        found = self._made.get(id(part))
        if found is not None and found[0] is part:
            return found[1]
        if isinstance(part, tuple):
            dumped: Any = [item.model_dump(mode="json") for item in part]
        else:
            dumped = part.model_dump(mode="json")
        if len(self._made) >= DUMPS_REMEMBERED:
            self._made.clear()
        self._made[id(part)] = (part, dumped)  # holding ``part`` keeps its id unique
        return dumped
