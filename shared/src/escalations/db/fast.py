"""Cheaper attribute writes for the table rows the router changes on every escalation.

SQLModel's ``__setattr__`` runs SQLAlchemy's instrumentation and then pydantic's own
``__setattr__``; for a table model the second only stores the value again. A row that no
session knows yet (built by the router and inserted in bulk at the end of its batch) needs
neither: its values are read straight from the instance at insert time.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm.attributes import set_attribute


class FastSetMixin:
    """Write column attributes of transient rows directly, and of loaded rows once."""

    __slots__ = ()

    def __setattr__(self, name: str, value: Any) -> None:
        """Set ``name``; columns skip pydantic's second store, transient rows the tracking."""
        state = self.__dict__.get("_sa_instance_state")
        if state is None or name not in state.manager.local_attrs:
            super().__setattr__(name, value)
            return
        if state.key is None and state.session_id is None:
            self.__dict__[name] = value  # transient: nothing tracks it yet
        else:
            set_attribute(self, name, value)  # loaded or added: the session must see it
        fields_set: set[str] = object.__getattribute__(self, "__pydantic_fields_set__")
        fields_set.add(name)
