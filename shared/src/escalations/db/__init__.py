"""Postgres adapters: SQLModel tables, the async engine, and Alembic migrations.

Tables live in ``models.py`` and in one ``models_<room>.py`` module per service area;
``load_models()`` imports them all so Alembic and the tests see the whole schema.
"""

from __future__ import annotations

import importlib
import pkgutil


def load_models() -> list[str]:
    """Import every ``models*`` module of this package; return their names."""
    names = sorted(
        info.name for info in pkgutil.iter_modules(__path__) if info.name.startswith("models")
    )
    for name in names:
        importlib.import_module(f"{__name__}.{name}")
    return names
