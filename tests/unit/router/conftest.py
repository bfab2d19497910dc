"""Fixtures of the router's batch tests: an empty fake store and the batch logic on it."""

from __future__ import annotations

import pytest

from escalations.core.config import loads_config
from escalations_router.batch import Batches
from escalations_router.domain.core_decider import CoreDecider
from tests.e2e.router.configs import config
from tests.fakes.router import FakeUnitOfWork


@pytest.fixture
def uow() -> FakeUnitOfWork:
    """An empty store."""
    return FakeUnitOfWork()


@pytest.fixture
def batches(uow: FakeUnitOfWork) -> Batches:
    """The batch logic on the fake store, with the router's end-to-end configuration."""
    return Batches(uow.begin, CoreDecider(loads_config(config()).config))
