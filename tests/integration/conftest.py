"""Integration fixtures: a proxy that can cut a desk's connection (cutting_proxy.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from cutting_proxy import CuttingProxy, server_address


@pytest.fixture
def cutting_proxy(pg_server) -> Iterator[CuttingProxy]:
    """A proxy in front of the test server, for one test."""
    with CuttingProxy(server_address(pg_server.base_url)) as proxy:
        yield proxy


@pytest.fixture
def proxied_desk_url(cutting_proxy: CuttingProxy, desk_url: str) -> str:
    """`desk_url` (the fresh database, as the desk role) through `cutting_proxy`: a SQLAlchemy
    URL, so `libpq_url()` of it for psycopg."""
    return cutting_proxy.url_for(desk_url)
