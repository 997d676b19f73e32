"""A loopback proxy in front of the test server that cuts a connection at a chosen point of
the PostgreSQL protocol: before the server sees a request, at once (while the server is busy
with one), or after the server has answered (it committed; the client never hears).

It listens on 127.0.0.1 and relays each connection to the server's Unix socket or TCP address,
reading the message framing of protocol 3 on both sides: a type byte and a 4-byte length, except
the untyped startup packets; an SSLRequest or GSSENCRequest is answered by one untyped byte.
A connection that negotiates encryption is relayed as opaque bytes and no cut sees its queries,
so `url_for` asks for sslmode=disable over TCP (a Unix socket always answers 'N').

A "request" is a simple Query, or the extended-protocol messages up to a Sync that execute a
statement (Parse, Bind, Describe, Execute, Sync: how psycopg sends one with parameters); its
SQL is that of its Binds, read from the Parse that prepared the statement, so a statement that
psycopg prepared (a Parse and Sync alone, not a request) is still seen when executed again.
The server answers each Sync or Query, and the startup, with one ReadyForQuery ('Z').

`cut_before_request` and `cut_replies` are armed and fire once, on one connection; `cut_now`
cuts every connection open at the time. Connections made afterwards are relayed normally, as a
desk reconnecting after a lost reply needs. `hold_server=True` leaves the server's side open
and silent (a network gone without a word to the server) until `release_held` or `close`.

Relaying uses two blocking threads per connection; decisions are taken under one lock, so a cut
armed while a reply is on its way either catches that reply whole or none of it.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time
from collections import deque
from dataclasses import dataclass, field

from sqlalchemy.engine import make_url

Address = str | tuple[str, int]  # a Unix socket's path, or a TCP host and port

_SSL_REQUEST = 80877103
_GSSENC_REQUEST = 80877104
_CANCEL_REQUEST = 80877102
_PROTOCOL_3 = 3  # major version in a StartupMessage's code (3.0, and 3.2 since PostgreSQL 18)
_LARGEST_STARTUP_PACKET = 10_000  # PostgreSQL's own limit; anything longer is not one


def server_address(url: str) -> Address:
    """Where the server of a SQLAlchemy or libpq URL listens (libpq's rules: a host that is a
    path is the folder of the socket `.s.PGSQL.<port>`)."""
    parsed = make_url(url)
    host = parsed.query.get("host") or parsed.host or "/tmp"
    port = int(parsed.query.get("port") or parsed.port or 5432)
    if isinstance(host, tuple) or "," in str(host):
        raise ValueError(f"a proxied URL needs one host: {host}")
    if host.startswith("/"):
        return f"{host}/.s.PGSQL.{port}"
    return (host, port)


@dataclass(eq=False)
class Request:
    """A request the server received in full (`sql` is empty for a FunctionCall)."""

    link: Link
    sql: str
    answered: bool = False  # its ReadyForQuery came back from the server


@dataclass(eq=False)
class Cut:
    """One cut: armed until it fires (`links` then names the connections it closed)."""

    kind: str  # "before request", "replies" or "now"
    matching: str | None
    hold_server: bool
    _changed: threading.Condition = field(repr=False)
    links: list[Link] = field(default_factory=list)
    sql: str | None = None  # the request it fired on
    done: bool = False

    @property
    def link(self) -> Link:
        (only,) = self.links
        return only

    def matches(self, sql: str) -> bool:
        return self.matching is None or self.matching.lower() in sql.lower()

    def wait(self, timeout: float = 5.0) -> Cut:
        """Until the cut has closed its connection's client side."""
        with self._changed:
            if not self._changed.wait_for(lambda: self.done, timeout):
                raise TimeoutError(f"the cut {self.kind!r} ({self.matching!r}) did not fire")
        return self


class CuttingProxy:
    """Relays 127.0.0.1:`port` to `target`; see the module's docstring. Use it as a context
    manager, or call `close`."""

    def __init__(self, target: Address) -> None:
        self.target = target
        self.links: list[Link] = []
        self.requests: list[Request] = []  # every request relayed to the server, in order
        self._changed = threading.Condition()
        self._armed: Cut | None = None
        self._waited = 0  # requests before this index were returned by a wait already
        self._closing = False
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._acceptor = threading.Thread(target=self._accept, name="proxy-accept", daemon=True)
        self._acceptor.start()

    def __enter__(self) -> CuttingProxy:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def url_for(self, url: str) -> str:
        """`url` (SQLAlchemy form, password kept) going through this proxy."""
        parsed = make_url(url)
        query = {k: v for k, v in parsed.query.items() if k not in ("host", "hostaddr", "port")}
        if not isinstance(self.target, str):
            query["sslmode"] = "disable"  # an encrypted link would hide every query
        return parsed.set(host="127.0.0.1", port=self.port, query=query).render_as_string(
            hide_password=False
        )

    # -- cuts ----------------------------------------------------------------------------

    def cut_before_request(self, matching: str | None = None, *, hold_server: bool = False) -> Cut:
        """Swallow the next Query, Parse or Bind whose SQL contains `matching` (any, if None;
        case-insensitive) and cut its connection: the server never sees that request."""
        return self._arm(Cut("before request", matching, hold_server, self._changed))

    def cut_replies(self, matching: str | None = None, *, hold_server: bool = False) -> Cut:
        """On the first request executing SQL containing `matching` (one already sent and
        unanswered, else the next one sent): relay it, drop everything the server sends from
        then on, and cut the connection once the server has answered it (its ReadyForQuery)."""
        with self._changed:
            cut = self._arm(Cut("replies", matching, hold_server, self._changed))
            for link in self.links:
                if link.closed or link.losing:
                    continue
                for position, request in enumerate(link.pending):
                    if self._armed is cut and request and request.sql and cut.matches(request.sql):
                        link.lose_replies(cut, request.sql, answers=position + 1)
        return cut

    def cut_now(self, *, hold_server: bool = False) -> Cut:
        """Cut every open connection at once."""
        with self._changed:
            cut = Cut("now", None, hold_server, self._changed)
            for link in self.links:
                if not link.closed:
                    link.cut(cut)
            cut.done = True
        return cut

    def release_held(self) -> None:
        """Close the server side of connections cut with `hold_server=True`."""
        with self._changed:
            for link in self.links:
                if link.held:
                    link.held = False
                    _shut(link.server)

    def _arm(self, cut: Cut) -> Cut:
        with self._changed:
            if self._armed is not None:
                raise RuntimeError(f"a cut is armed already: {self._armed.kind!r}")
            self._armed = cut
        return cut

    # -- waiting -------------------------------------------------------------------------

    def wait_until_server_received_query(
        self, matching: str | None = None, timeout: float = 5.0
    ) -> Request:
        """The first request containing `matching` (case-insensitive) that the server has been
        sent in full, after the one the previous call returned."""

        def found() -> Request | None:
            for index in range(self._waited, len(self.requests)):
                request = self.requests[index]
                if matching is None or matching.lower() in request.sql.lower():
                    self._waited = index + 1
                    return request
            return None

        with self._changed:
            request = self._changed.wait_for(found, timeout)
            if request is None:
                sent = [r.sql for r in self.requests[self._waited :]]
                raise TimeoutError(f"no request containing {matching!r} reached the server: {sent}")
        return request

    # -- plumbing ------------------------------------------------------------------------

    def close(self) -> None:
        with self._changed:
            self._closing = True
        # accept() is not woken by closing its socket on every platform: connect to it instead.
        with contextlib.suppress(OSError):
            socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
        self._acceptor.join(timeout=5)
        self._listener.close()
        with self._changed:
            links = list(self.links)
        for link in links:
            link.held = False
            _shut(link.client)
            _shut(link.server)
        for link in links:
            link.join(timeout=5)

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._changed:
                if self._closing:
                    client.close()
                    return
            try:
                server = _connect(self.target)
            except OSError:
                client.close()
                continue
            _no_delay(client)
            with self._changed:
                link = Link(self, len(self.links) + 1, client, server)
                self.links.append(link)
            link.start()

    def _on_request_started(self, link: Link, sql: str, *, executes: bool = True) -> bool:
        """Called (lock held) for each Query, Parse and Bind before it is relayed; False means
        swallow it and cut. A Parse only prepares: its replies are not the ones to lose."""
        cut = self._armed
        if cut is None or not sql or not cut.matches(sql):
            return True
        if cut.kind == "before request":
            link.swallow_and_cut(cut, sql)
            return False
        if executes:
            link.lose_replies(cut, sql, answers=len(link.pending) + 1)
        return True

    def _on_requests_sent(self, requests: list[Request]) -> None:
        with self._changed:
            self.requests.extend(requests)
            self._changed.notify_all()


class Link:
    """One relayed connection: `backend_pid` is the server process serving it (from its
    BackendKeyData), `pending` the requests sent and not answered yet."""

    def __init__(
        self, proxy: CuttingProxy, number: int, client: socket.socket, server: socket.socket
    ) -> None:
        self.number = number
        self.client = client
        self.server = server
        self.backend_pid: int | None = None
        self.pending: deque[Request | None] = deque()  # None: the startup's ReadyForQuery
        self.is_cut = False  # by a cut of the proxy; nothing is relayed any more
        self.held = False  # cut, but the server's side left open
        self.closed = False  # cut, or hung up by one side
        self._proxy = proxy
        self._lock = proxy._changed
        self._opaque = False  # encrypted: relayed without reading
        self._started_up = False  # past the untyped startup packets
        self._single_bytes_due = 0  # answers to SSLRequest / GSSENCRequest
        self._statements: dict[str, str] = {}  # prepared statement name -> SQL
        self._batch: list[str] = []  # SQL of the Binds (or Parses) since the last Sync
        self._cut_due: Cut | None = None  # to cut once what came before it is relayed
        self._unlogged: list[Request] = []  # read from the client, not yet relayed
        self.losing: Cut | None = None  # cut_replies fired here: drop replies...
        self._answers_until_cut = 0  # ...and cut after this many more ReadyForQuery
        self._running = 2
        self._threads = [
            threading.Thread(
                target=self._relay,
                args=(client, server, self._from_client, True),
                name=f"proxy-{number}-up",
                daemon=True,
            ),
            threading.Thread(
                target=self._relay,
                args=(server, client, self._from_server, False),
                name=f"proxy-{number}-down",
                daemon=True,
            ),
        ]

    def __repr__(self) -> str:
        return f"<Link {self.number} pid={self.backend_pid} cut={self.is_cut}>"

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def join(self, timeout: float) -> None:
        for thread in self._threads:
            thread.join(timeout)

    def cut(self, cut: Cut) -> None:
        """(Lock held.) Close the client's side, and the server's unless the cut holds it."""
        self.is_cut = self.closed = True
        self.held = cut.hold_server
        _shut(self.client)
        if not self.held:
            _shut(self.server)
        if self not in cut.links:
            cut.links.append(self)
        cut.done = True
        self._lock.notify_all()

    def swallow_and_cut(self, cut: Cut, sql: str) -> None:
        """(Lock held.) Relay nothing from here on, and cut once the bytes before are sent."""
        self._proxy._armed = None
        cut.sql = sql
        self.is_cut = True
        self._cut_due = cut

    def lose_replies(self, cut: Cut, sql: str, answers: int) -> None:
        """(Lock held.) From now on drop what the server says; cut after `answers` answers."""
        self._proxy._armed = None
        cut.sql = sql
        cut.links.append(self)
        self.losing = cut
        self._answers_until_cut = answers

    def _relay(self, source: socket.socket, sink: socket.socket, read, upstream: bool) -> None:
        buffer = bytearray()
        try:
            while chunk := source.recv(65536):
                with self._lock:
                    if self.is_cut:
                        continue  # a held server's words go nowhere
                    buffer += chunk
                    out = read(buffer)
                if out:
                    sink.sendall(out)
                if self._unlogged:
                    self._proxy._on_requests_sent(self._unlogged)
                    self._unlogged = []
                if self._cut_due is not None:
                    with self._lock:
                        self.cut(self._cut_due)
                        self._cut_due = None
        except OSError:
            pass
        with self._lock:
            # A side that hangs up takes the other with it, except a held server.
            if not (upstream and self.held):
                self.closed = True
                self.held = False
                _shut(self.client)
                _shut(self.server)
            self._running -= 1
            if self._running == 0:
                self.client.close()
                self.server.close()

    # Both readers run with the lock held, consume the complete messages at the start of
    # `buffer` and return the bytes to relay.

    def _from_client(self, buffer: bytearray) -> bytes:
        out = bytearray()
        while buffer and not self.is_cut:
            if self._opaque:
                out += buffer
                buffer.clear()
            elif not self._started_up:
                if len(buffer) < 8:
                    break
                (length, code) = struct.unpack("!ii", buffer[:8])
                if not 8 <= length <= _LARGEST_STARTUP_PACKET:
                    self._opaque = True  # direct TLS, or not PostgreSQL: relay as it is
                    continue
                if len(buffer) < length:
                    break
                if code in (_SSL_REQUEST, _GSSENC_REQUEST):
                    self._single_bytes_due += 1
                elif code >> 16 == _PROTOCOL_3:
                    self._started_up = True
                    self.pending.append(None)
                elif code != _CANCEL_REQUEST:
                    self._opaque = True
                out += buffer[:length]
                del buffer[:length]
            else:
                if len(buffer) < 5:
                    break
                length = struct.unpack("!i", buffer[1:5])[0]
                if len(buffer) < 1 + length:
                    break
                message = bytes(buffer[: 1 + length])
                if not self._client_message(message[:1], message[5:]):
                    return bytes(out)  # swallowed, and the link is cut
                out += message
                del buffer[: 1 + length]
        return bytes(out)

    def _client_message(self, kind: bytes, body: bytes) -> bool:
        """False when an armed cut swallows the message."""
        if kind == b"Q":
            sql = _cstrings(body, 1)[0]
            if not self._proxy._on_request_started(self, sql):
                return False
            self._sent(sql)
        elif kind == b"P":
            name, sql = _cstrings(body, 2)
            if not self._proxy._on_request_started(self, sql, executes=False):
                return False
            self._statements[name] = sql
        elif kind == b"B":
            _portal, statement = _cstrings(body, 2)
            sql = self._statements.get(statement, "")
            if not self._proxy._on_request_started(self, sql):
                return False
            self._batch.append(sql)
        elif kind == b"S":
            if self._batch:
                self._sent("; ".join(self._batch))
                self._batch.clear()
            else:
                self.pending.append(None)  # only prepares (psycopg's Parse and Sync alone)
        elif kind == b"F":
            self._sent("")
        return True

    def _sent(self, sql: str) -> None:
        request = Request(self, sql)
        self.pending.append(request)
        self._unlogged.append(request)

    def _from_server(self, buffer: bytearray) -> bytes:
        out = bytearray()
        while buffer and not self.is_cut:
            if self._opaque:
                out += buffer
                buffer.clear()
            elif self._single_bytes_due:
                self._single_bytes_due -= 1
                if buffer[:1] in (b"S", b"G"):
                    self._opaque = True
                out += buffer[:1]
                del buffer[:1]
            else:
                if len(buffer) < 5:
                    break
                length = struct.unpack("!i", buffer[1:5])[0]
                if len(buffer) < 1 + length:
                    break
                message = bytes(buffer[: 1 + length])
                del buffer[: 1 + length]
                if message[:1] == b"K":
                    self.backend_pid = struct.unpack("!i", message[5:9])[0]
                elif message[:1] == b"Z":
                    self._answered()
                if self.losing is None:
                    out += message
                elif self._answers_until_cut == 0:
                    self.cut(self.losing)
        return bytes(out)

    def _answered(self) -> None:
        if self.pending:
            request = self.pending.popleft()
            if request is not None:
                request.answered = True
                self._lock.notify_all()
        if self.losing is not None:
            self._answers_until_cut -= 1


def _cstrings(body: bytes, count: int) -> list[str]:
    return [part.decode("utf-8", "replace") for part in body.split(b"\0", count)[:count]]


def _connect(target: Address) -> socket.socket:
    if isinstance(target, str):
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.settimeout(5)
        server.connect(target)
        server.settimeout(None)
        return server
    server = socket.create_connection(target, timeout=5)
    server.settimeout(None)
    _no_delay(server)
    return server


def _no_delay(sock: socket.socket) -> None:
    # Small messages one way and the next request waiting on them: Nagle would add 40 ms each.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already shut, or never connected
        sock.shutdown(socket.SHUT_RDWR)


# -- the server's side of a link, watched from another (privileged) connection ----------------


def wait_until_backend_waits_for_lock(conn, pid: int, timeout: float = 5.0) -> None:
    """Until server process `pid` waits for a lock (`conn`: psycopg, autocommit, allowed to
    read pg_stat_activity's wait events: a superuser or pg_read_all_stats)."""
    _poll(
        conn,
        "SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = %s",
        pid,
        timeout,
        f"backend {pid} to wait for a lock",
    )


def wait_until_backend_gone(conn, pid: int, timeout: float = 5.0) -> None:
    """Until server process `pid` has ended."""
    _poll(
        conn,
        "SELECT NOT EXISTS (SELECT FROM pg_stat_activity WHERE pid = %s)",
        pid,
        timeout,
        f"backend {pid} to end",
    )


def _poll(conn, query: str, pid: int, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while True:
        row = conn.execute(query, (pid,)).fetchone()
        if row and row[0]:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited {timeout} s for {what}")
        time.sleep(0.01)  # polling the server's own view: no event to wait on
