"""The signed payload in a ticket's QR code, and how a conductor checks it offline.

The signed part is a fixed 23-byte record (big-endian):

    version u8 | key id u16 | ticket id u32 | run id u32 | run seat id u32 |
    board position u8 | alight position u8 | booking reference, 6 ASCII characters

followed by the 64-byte Ed25519 signature over those 23 bytes: 87 bytes in all. The QR code
carries them as unpadded base32 (140 characters from A-Z and 2-7). That alphabet is inside QR's
alphanumeric mode (5.5 bits a character), so the symbol is a version 6 at error correction M,
41 x 41 modules, and a handheld scanner that "types" what it reads cannot garble it.

A new layout gets a new version byte; a new signing key gets a new key id, and the conductor's
device holds every public key it should trust.
"""

from __future__ import annotations

import base64
import binascii
import struct
from collections.abc import Mapping
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from ticket_office.domain.errors import TicketOfficeError
from ticket_office.domain.references import looks_like_reference

PAYLOAD_VERSION = 1
_RECORD = struct.Struct(">BHIIIBB6s")
RECORD_LENGTH = _RECORD.size  # 23
SIGNATURE_LENGTH = 64
SEALED_LENGTH = RECORD_LENGTH + SIGNATURE_LENGTH  # 87
QR_TEXT_LENGTH = 140  # base32 of 87 bytes, padding dropped
_U8, _U16, _U32 = 0xFF, 0xFFFF, 0xFFFF_FFFF


class TicketPayloadInvalid(TicketOfficeError):
    """The code cannot be read as one of our tickets (damaged, truncated or foreign)."""


class UnknownSigningKey(TicketPayloadInvalid):
    """The ticket names a signing key this device does not trust (or does not know yet)."""

    def __init__(self, key_id: int) -> None:
        super().__init__(
            f"This ticket was signed with key {key_id}, which this device does not know. "
            "Update the ticket-checking keys, or check the ticket online."
        )
        self.key_id = key_id


class TicketSignatureInvalid(TicketPayloadInvalid):
    """The signature does not match the ticket's data: altered or forged."""


@dataclass(frozen=True, slots=True)
class TicketClaims:
    """What a ticket's code states; signed by the ticket office."""

    key_id: int
    ticket_id: int
    run_id: int
    seat_id: int  # the run seat's id
    board_position: int
    alight_position: int
    reference: str

    def __post_init__(self) -> None:
        limits = {
            "key_id": _U16,
            "ticket_id": _U32,
            "run_id": _U32,
            "seat_id": _U32,
            "board_position": _U8,
            "alight_position": _U8,
        }
        for name, limit in limits.items():
            value = getattr(self, name)
            if not isinstance(value, int) or not 0 <= value <= limit:
                raise ValueError(f"{name} must be an integer within 0..{limit}, not {value!r}")
        if self.alight_position <= self.board_position:
            raise ValueError("alight_position must come after board_position")
        if not looks_like_reference(self.reference) or self.reference != self.reference.upper():
            raise ValueError(f"{self.reference!r} is not a booking reference")


@dataclass(frozen=True, slots=True)
class VerifiedTicket(TicketClaims):
    """Claims whose signature checked out against a trusted public key."""


def encode_claims(claims: TicketClaims) -> bytes:
    return _RECORD.pack(
        PAYLOAD_VERSION,
        claims.key_id,
        claims.ticket_id,
        claims.run_id,
        claims.seat_id,
        claims.board_position,
        claims.alight_position,
        claims.reference.encode("ascii"),
    )


def decode_claims(record: bytes) -> TicketClaims:
    if len(record) != RECORD_LENGTH:
        raise TicketPayloadInvalid("This ticket code is incomplete or not one of ours.")
    version, key_id, ticket_id, run_id, seat_id, board, alight, reference = _RECORD.unpack(record)
    if version != PAYLOAD_VERSION:
        raise TicketPayloadInvalid(
            f"This ticket code has format {version}; this device reads format {PAYLOAD_VERSION}."
        )
    try:
        return TicketClaims(
            key_id, ticket_id, run_id, seat_id, board, alight, reference.decode("ascii")
        )
    except (UnicodeDecodeError, ValueError):
        raise TicketPayloadInvalid("This ticket code is damaged or not one of ours.") from None


def seal(claims: TicketClaims, private_key: Ed25519PrivateKey) -> bytes:
    """The record followed by its signature: what the QR code carries."""
    record = encode_claims(claims)
    return record + private_key.sign(record)


def to_qr_text(sealed: bytes) -> str:
    return base64.b32encode(sealed).decode("ascii").rstrip("=")


def from_qr_text(text: str | bytes) -> bytes:
    raw = text.decode("ascii", "replace") if isinstance(text, bytes) else text
    cleaned = "".join(raw.split()).upper()
    try:
        return base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))
    except (binascii.Error, ValueError):
        raise TicketPayloadInvalid("This ticket code is damaged or not one of ours.") from None


def verify_ticket_payload(data: bytes | str, public_keys: Mapping[int, bytes]) -> VerifiedTicket:
    """Check a scanned ticket offline: `data` is the QR text (or the 87 raw bytes), and
    `public_keys` maps key id to a raw 32-byte Ed25519 public key (`services.public_keys`).

    Raises TicketPayloadInvalid (or its subclasses UnknownSigningKey, TicketSignatureInvalid)
    with a message for the conductor.
    """
    sealed = data if isinstance(data, bytes) and len(data) == SEALED_LENGTH else from_qr_text(data)
    if len(sealed) != SEALED_LENGTH:
        raise TicketPayloadInvalid("This ticket code is incomplete or not one of ours.")
    record, signature = sealed[:RECORD_LENGTH], sealed[RECORD_LENGTH:]
    claims = decode_claims(record)
    public_raw = public_keys.get(claims.key_id)
    if public_raw is None:
        raise UnknownSigningKey(claims.key_id)
    try:
        Ed25519PublicKey.from_public_bytes(public_raw).verify(signature, record)
    except (InvalidSignature, ValueError):
        raise TicketSignatureInvalid(
            "The ticket's signature does not match its details: it was altered or forged."
        ) from None
    return VerifiedTicket(
        claims.key_id,
        claims.ticket_id,
        claims.run_id,
        claims.seat_id,
        claims.board_position,
        claims.alight_position,
        claims.reference,
    )
