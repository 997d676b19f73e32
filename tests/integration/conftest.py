"""Integration fixtures: raw connections as a desk and as the owner, and a proxy that can cut
a desk's connection (cutting_proxy.py)."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from cutting_proxy import CuttingProxy, server_address

from ticket_office.db.engine import libpq_url


@pytest.fixture
def desk(desk_url, desk_role) -> Iterator[psycopg.Connection]:
    """A counter's database credential used directly, as a script on its machine would:
    bypassing the app, so what it may do is what the database allows."""
    if desk_role is None:
        pytest.skip("the test server's role may not create roles")
    with psycopg.connect(libpq_url(desk_url), autocommit=True) as conn:
        yield conn


@pytest.fixture
def owner(database_url) -> Iterator[psycopg.Connection]:
    """The fresh database's owner, for setting up what no desk may do."""
    with psycopg.connect(libpq_url(database_url), autocommit=True) as conn:
        yield conn


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
