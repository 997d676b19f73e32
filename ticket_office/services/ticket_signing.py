"""Ticket signing keys: Ed25519 pairs kept in the database with the private half sealed.

Each row of `signing_keys` holds a raw 32-byte public key and the private key sealed with
AES-256-GCM under a key-encryption key (KEK) that never enters the database. The KEK is derived
(HKDF-SHA256) from a secret found, in order, in:

1. the environment variable TICKET_OFFICE_SIGNING_SECRET (sales machines, set at deployment);
2. the OS keyring, service "ticket-office", user "ticket-signing-secret";
3. a file with mode 600: TICKET_OFFICE_SIGNING_SECRET_FILE, or `ticket-signing-secret` in the
   app's data folder, created with a random secret on first use (the embedded demo).

The public key is the GCM associated data, so a sealed private key copied onto another row
does not open. The first ticket printed creates the first key pair; signing always uses the
newest active key, and every active key is handed to conductors for offline checks. See
resources/README-tickets.md for the trade-offs.
"""

from __future__ import annotations

import contextlib
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
from ticket_office.services import audit
from ticket_office.services.access import require, require_active
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
# Serialises "no key yet, make one" across machines; any constant unique to this use will do.
_CREATE_LOCK = 0x5449434B

SecretSource = Callable[[], bytes]


class SigningUnavailable(TicketOfficeError):
    """This machine cannot sign tickets (no secret, or not the secret the keys were sealed with)."""


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

_NEWEST_ACTIVE = text(
    "SELECT id, public_key, private_key FROM signing_keys WHERE active ORDER BY id DESC LIMIT 1"
)
_INSERT_KEY = text(
    "INSERT INTO signing_keys (public_key, private_key) VALUES (:public, :private) RETURNING id"
)


def create_key(session: Session, operator: OperatorContext, secret: bytes) -> int:
    private_key = Ed25519PrivateKey.generate()
    public_raw = _public_raw(private_key)
    key_id = session.execute(
        _INSERT_KEY,
        {"public": public_raw, "private": seal_private_key(private_key, public_raw, secret)},
    ).scalar_one()
    audit.record(session, "signing_key_created", operator_id=operator.id, subject=f"key {key_id}")
    return key_id


def active_signer(
    session: Session, operator: OperatorContext, source: SecretSource = signing_secret
) -> Signer:
    """The newest active key, opened; the first call ever creates it (the caller commits)."""
    secret = source()
    row = session.execute(_NEWEST_ACTIVE).one_or_none()
    if row is None:
        session.execute(text("SELECT pg_advisory_xact_lock(:lock)"), {"lock": _CREATE_LOCK})
        row = session.execute(_NEWEST_ACTIVE).one_or_none()
        if row is None:
            create_key(session, operator, secret)
            row = session.execute(_NEWEST_ACTIVE).one()
    return Signer(row.id, open_private_key(bytes(row.private_key), bytes(row.public_key), secret))


def public_keys(uow: UnitOfWork, operator: OperatorContext) -> dict[int, bytes]:
    """Every trusted public key by key id: the conductor's offline copy."""
    require(operator, Permission.CHECK_TICKETS)
    with uow:
        rows = uow.session.execute(
            text("SELECT id, public_key FROM signing_keys WHERE active ORDER BY id")
        ).all()
    return {row.id: bytes(row.public_key) for row in rows}


def rotate_signing_key(
    uow: UnitOfWork, operator: OperatorContext, source: SecretSource = signing_secret
) -> int:
    """Start signing with a new key; tickets signed with older active keys stay valid."""
    require(operator, Permission.MANAGE_NETWORK)
    secret = source()
    with uow:
        require_active(uow.session, operator)
        uow.session.execute(text("SELECT pg_advisory_xact_lock(:lock)"), {"lock": _CREATE_LOCK})
        key_id = create_key(uow.session, operator, secret)
        uow.commit()
    return key_id
