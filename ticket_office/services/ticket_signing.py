"""Ticket signing keys: Ed25519 pairs kept in the database with the private half sealed.

Each row of `signing_keys` holds a raw 32-byte public key and the private key sealed with
AES-256-GCM under a key-encryption key (KEK) that never enters the database. The KEK is derived
(HKDF-SHA256) from a secret found, in order, in:

1. the environment variable TICKET_OFFICE_SIGNING_SECRET (sales machines, set at deployment);
2. the OS keyring, service "ticket-office", user "ticket-signing-secret";
3. a file with mode 600: TICKET_OFFICE_SIGNING_SECRET_FILE, or `ticket-signing-secret` in the
   app's data folder, created with a random secret on first use (the embedded demo).

The public key is the GCM associated data, so a sealed private key copied onto another row
does not open. Keys are added only through the database function `add_signing_key`, for a
supervisor's session or the schema's owner (`ticket-office create-signing-key`; the demo loader
makes the demo's first key): a desk printing before any key exists is told so. Signing uses the
newest active key this machine's secret opens, and every active key is handed to conductors for
offline checks. See README.md ("Signing keys") for the trade-offs.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import text
from sqlalchemy.orm import Session

from ticket_office.domain.errors import TicketOfficeError
from ticket_office.domain.roles import Permission
from ticket_office.domain.ticket_payload import TicketClaims, seal, to_qr_text
from ticket_office.services.access import require
from ticket_office.services.results import OperatorContext
from ticket_office.services.unit_of_work import UnitOfWork

SECRET_ENV = "TICKET_OFFICE_SIGNING_SECRET"
SECRET_FILE_ENV = "TICKET_OFFICE_SIGNING_SECRET_FILE"
SECRET_FILE_NAME = "ticket-signing-secret"
KEYRING_SERVICE = "ticket-office"
KEYRING_USER = "ticket-signing-secret"
MIN_SECRET_LENGTH = 32  # characters; HKDF does not stretch, so the secret must be random

_SEALED_PREFIX = b"TOK1"
_NONCE_LENGTH = 12
_HKDF_INFO = b"ticket-office signing-key wrap v1"
CREATE_KEY_COMMAND = "ticket-office create-signing-key"

SecretSource = Callable[[], bytes]
_log = logging.getLogger(__name__)


class SigningUnavailable(TicketOfficeError):
    """This machine cannot sign tickets (no secret, or not the secret the keys were sealed with)."""


class NoSigningKey(SigningUnavailable):
    """No active ticket key exists: only a supervisor (or the database's owner) can add one."""


@dataclass(frozen=True)
class Signer:
    key_id: int
    private_key: Ed25519PrivateKey

    def qr_text(
        self, ticket_id: int, run_id: int, seat_id: int, board: int, alight: int, reference: str
    ) -> str:
        claims = TicketClaims(self.key_id, ticket_id, run_id, seat_id, board, alight, reference)
        return to_qr_text(seal(claims, self.private_key))


# --- the key-encryption secret -------------------------------------------------------------


def signing_secret() -> bytes:
    """The secret the private keys are sealed with, from environment, keyring or file."""
    from_env = os.environ.get(SECRET_ENV, "").strip()
    if from_env:
        return _checked(from_env, SECRET_ENV)
    from_keyring = _keyring_secret()
    if from_keyring:
        return _checked(from_keyring, "the keyring entry")
    return secret_from_file(secret_file())


def secret_file() -> Path:
    if override := os.environ.get(SECRET_FILE_ENV, "").strip():
        return Path(override)
    from ticket_office.db.embedded import default_data_dir

    return default_data_dir() / SECRET_FILE_NAME


def secret_from_file(path: Path) -> bytes:
    """Read the secret file, creating it (mode 600, random secret) if it does not exist."""
    if not path.exists():
        _create_secret_file(path)
    try:
        if os.name == "posix" and stat.S_IMODE(path.stat().st_mode) & 0o077:
            raise SigningUnavailable(
                f"The ticket-signing secret {path} can be read by other users; "
                "make it private (chmod 600) and try again."
            )
        return _checked(path.read_text(encoding="ascii").strip(), str(path))
    except (OSError, UnicodeDecodeError) as exc:
        raise SigningUnavailable(f"Cannot read the ticket-signing secret {path}: {exc}") from None


def _create_secret_file(path: Path) -> None:
    # Written aside and linked into place, so a second app starting at the same moment sees
    # either no file or the whole secret, and exactly one secret wins.
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as file:
            file.write(secrets.token_urlsafe(48) + "\n")
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    except OSError as exc:
        raise SigningUnavailable(f"Cannot create the ticket-signing secret {path}: {exc}") from None
    finally:
        temporary.unlink(missing_ok=True)


def _keyring_secret() -> str | None:
    try:
        import keyring
        from keyring.backends import fail

        if isinstance(keyring.get_keyring(), fail.Keyring):
            return None
        return keyring.get_password(KEYRING_SERVICE, KEYRING_USER)
    except Exception:
        return None


def _checked(secret: str, where: str) -> bytes:
    if len(secret) < MIN_SECRET_LENGTH:
        raise SigningUnavailable(
            f"The ticket-signing secret in {where} is too short "
            f"(at least {MIN_SECRET_LENGTH} random characters)."
        )
    return secret.encode("utf-8")


# --- sealing private keys ------------------------------------------------------------------


def _kek(secret: bytes) -> AESGCM:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_HKDF_INFO).derive(secret)
    return AESGCM(key)


def seal_private_key(private_key: Ed25519PrivateKey, public_raw: bytes, secret: bytes) -> bytes:
    raw = private_key.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    nonce = secrets.token_bytes(_NONCE_LENGTH)
    return _SEALED_PREFIX + nonce + _kek(secret).encrypt(nonce, raw, public_raw)


def open_private_key(sealed: bytes, public_raw: bytes, secret: bytes) -> Ed25519PrivateKey:
    if not sealed.startswith(_SEALED_PREFIX):
        raise SigningUnavailable("The ticket-signing key in the database is not sealed.")
    nonce = sealed[len(_SEALED_PREFIX) : len(_SEALED_PREFIX) + _NONCE_LENGTH]
    body = sealed[len(_SEALED_PREFIX) + _NONCE_LENGTH :]
    try:
        raw = _kek(secret).decrypt(nonce, body, public_raw)
    except InvalidTag:
        raise SigningUnavailable(
            "This machine's ticket-signing secret is not the one the signing key was sealed "
            f"with. Set {SECRET_ENV} (or the keyring entry) to the office's secret."
        ) from None
    return Ed25519PrivateKey.from_private_bytes(raw)


def _public_raw(private_key: Ed25519PrivateKey) -> bytes:
    return private_key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )


# --- keys in the database ------------------------------------------------------------------

_ACTIVE_KEYS = text(
    "SELECT id, public_key, private_key FROM signing_keys WHERE active ORDER BY id DESC"
)
_ADD_KEY = text("SELECT add_signing_key(:token, :public, :sealed)")


def new_sealed_key(secret: bytes) -> tuple[bytes, bytes]:
    """A fresh key pair: its raw public key and its private key sealed with `secret`."""
    private_key = Ed25519PrivateKey.generate()
    public_raw = _public_raw(private_key)
    return public_raw, seal_private_key(private_key, public_raw, secret)


def add_key(session: Session, actor: OperatorContext, secret: bytes) -> int:
    """Add a key pair through the database (the caller commits). The server accepts a
    supervisor's session, or no session on the schema owner's own connection."""
    public_raw, sealed = new_sealed_key(secret)
    token = None if actor.id is None else actor.session_token
    return session.execute(
        _ADD_KEY, {"token": token, "public": public_raw, "sealed": sealed}
    ).scalar_one()


def active_signer(session: Session, source: SecretSource = signing_secret) -> Signer:
    """The newest active key that this machine's secret opens.

    A newer key it cannot open (sealed on a machine with another secret, say a supervisor's
    whose secret was never set) is passed over, and logged: desks whose secret opens it sign
    with it, the others go on with the newest key they can open, and conductors hold both.
    """
    secret = source()
    rows = session.execute(_ACTIVE_KEYS).all()
    if not rows:
        raise NoSigningKey(
            "Tickets cannot be printed yet: there is no ticket-signing key. A supervisor must "
            f"create it once: {CREATE_KEY_COMMAND} (with the database owner's URL, or with "
            "--as and their own name at a supervisor's desk)."
        )
    for row in rows:
        public_raw = bytes(row.public_key)
        try:
            private_key = open_private_key(bytes(row.private_key), public_raw, secret)
        except SigningUnavailable as refused:
            _log.warning("Ticket key %s is passed over: %s", row.id, refused)
            continue
        if _public_raw(private_key) != public_raw:
            _log.warning("Ticket key %s is passed over: its halves do not match.", row.id)
            continue
        return Signer(row.id, private_key)
    raise SigningUnavailable(
        "This machine's ticket-signing secret opens none of the office's ticket keys: it is not "
        f"the one they were sealed with. Set {SECRET_ENV} (or the keyring entry) to the "
        "office's secret."
    )


def public_keys(uow: UnitOfWork, operator: OperatorContext) -> dict[int, bytes]:
    """Every trusted public key by key id: the conductor's offline copy."""
    require(operator, Permission.CHECK_TICKETS)
    with uow:
        rows = uow.session.execute(
            text("SELECT id, public_key FROM signing_keys WHERE active ORDER BY id")
        ).all()
    return {row.id: bytes(row.public_key) for row in rows}


def create_signing_key(
    uow: UnitOfWork, actor: OperatorContext, source: SecretSource = signing_secret
) -> int:
    """A new key pair, sealed with this machine's secret; desks sign with it from now on, and
    tickets signed with older active keys stay valid. For a supervisor (their session is
    checked by the server) or the command line on the database host."""
    require(actor, Permission.MANAGE_NETWORK)
    secret = source()
    with uow:
        key_id = add_key(uow.session, actor, secret)
        uow.commit()
    return key_id


def rotate_signing_key(
    uow: UnitOfWork, operator: OperatorContext, source: SecretSource = signing_secret
) -> int:
    """Start signing with a new key; tickets signed with older active keys stay valid."""
    return create_signing_key(uow, operator, source)
