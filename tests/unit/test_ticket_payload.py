"""The QR payload: a compact record, an Ed25519 signature, and offline verification."""

import pytest
import segno
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from ticket_office.domain.references import ALPHABET
from ticket_office.domain.ticket_payload import (
    QR_TEXT_LENGTH,
    SEALED_LENGTH,
    TicketClaims,
    TicketPayloadInvalid,
    TicketSignatureInvalid,
    UnknownSigningKey,
    VerifiedTicket,
    decode_claims,
    encode_claims,
    from_qr_text,
    seal,
    to_qr_text,
    verify_ticket_payload,
)

KEY = Ed25519PrivateKey.generate()
OTHER_KEY = Ed25519PrivateKey.generate()


def raw_public(private_key: Ed25519PrivateKey) -> bytes:
    return private_key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )


TRUSTED = {7: raw_public(KEY)}


OUR_KEY_ID = st.just(7)


@st.composite
def claims(draw, key_id=OUR_KEY_ID):
    board = draw(st.integers(0, 254))
    return TicketClaims(
        key_id=draw(key_id),
        ticket_id=draw(st.integers(0, 2**32 - 1)),
        run_id=draw(st.integers(0, 2**32 - 1)),
        seat_id=draw(st.integers(0, 2**32 - 1)),
        board_position=board,
        alight_position=draw(st.integers(board + 1, 255)),
        reference=draw(st.text(ALPHABET, min_size=6, max_size=6)),
    )


SAMPLE = TicketClaims(7, 1234, 56, 7890, 0, 12, "ABC234")


@given(claims(key_id=st.integers(0, 2**16 - 1)))
def test_claims_survive_encoding_and_decoding(original):
    assert decode_claims(encode_claims(original)) == original


@given(claims())
def test_a_sealed_ticket_verifies_to_the_same_claims_from_its_qr_text(original):
    text = to_qr_text(seal(original, KEY))
    verified = verify_ticket_payload(text, TRUSTED)
    assert isinstance(verified, VerifiedTicket)
    assert verified == VerifiedTicket(*(getattr(original, f) for f in original.__slots__))


@given(claims(), st.data())
def test_any_flipped_bit_is_detected(original, data):
    sealed = bytearray(seal(original, KEY))
    bit = data.draw(st.integers(0, len(sealed) * 8 - 1))
    sealed[bit // 8] ^= 1 << (bit % 8)
    with pytest.raises(TicketPayloadInvalid):
        verify_ticket_payload(bytes(sealed), TRUSTED)


def test_the_payload_is_87_bytes_and_140_qr_characters():
    sealed = seal(SAMPLE, KEY)
    assert len(sealed) == SEALED_LENGTH == 87
    text = to_qr_text(sealed)
    assert len(text) == QR_TEXT_LENGTH
    assert set(text) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")


def test_the_qr_code_is_a_version_6_symbol_at_error_correction_m():
    symbol = segno.make(to_qr_text(seal(SAMPLE, KEY)), error="m", micro=False)
    assert symbol.mode == "alphanumeric"
    assert symbol.version == 6
    assert symbol.error == "M"


def test_raw_bytes_and_qr_text_with_spaces_or_lower_case_both_verify():
    sealed = seal(SAMPLE, KEY)
    text = to_qr_text(sealed)
    assert verify_ticket_payload(sealed, TRUSTED).ticket_id == 1234
    assert verify_ticket_payload(text.lower(), TRUSTED).reference == "ABC234"
    assert verify_ticket_payload(" ".join([text[:70], text[70:]]).encode(), TRUSTED).run_id == 56


def test_a_ticket_signed_with_an_unknown_key_names_the_key():
    sealed = seal(TicketClaims(9, 1, 2, 3, 0, 1, "ABC234"), KEY)
    with pytest.raises(UnknownSigningKey) as raised:
        verify_ticket_payload(sealed, TRUSTED)
    assert raised.value.key_id == 9
    assert "key 9" in str(raised.value)


def test_a_ticket_signed_by_someone_else_under_our_key_id_is_refused():
    forged = seal(SAMPLE, OTHER_KEY)
    with pytest.raises(TicketSignatureInvalid, match="altered or forged"):
        verify_ticket_payload(forged, TRUSTED)


def test_changing_the_seat_and_keeping_the_signature_is_refused():
    sealed = seal(SAMPLE, KEY)
    moved = encode_claims(TicketClaims(7, 1234, 56, 7891, 0, 12, "ABC234"))
    with pytest.raises(TicketSignatureInvalid):
        verify_ticket_payload(moved + sealed[len(moved) :], TRUSTED)


@pytest.mark.parametrize(
    "data", [b"", b"hello", "not base32 !!", "A" * 140, "AAAA", b"\x00" * SEALED_LENGTH]
)
def test_damaged_or_foreign_codes_are_refused_with_a_clear_message(data):
    with pytest.raises(TicketPayloadInvalid) as raised:
        verify_ticket_payload(data, TRUSTED)
    assert "ticket" in str(raised.value).lower()


def test_another_payload_version_is_named_in_the_refusal():
    record = bytearray(encode_claims(SAMPLE))
    record[0] = 2
    with pytest.raises(TicketPayloadInvalid, match="format 2"):
        decode_claims(bytes(record))


def test_qr_text_of_the_wrong_alphabet_is_refused():
    with pytest.raises(TicketPayloadInvalid):
        from_qr_text("0189!")


@pytest.mark.parametrize(
    "fields",
    [
        dict(ticket_id=-1),
        dict(run_id=2**32),
        dict(key_id=2**16),
        dict(board_position=256),
        dict(board_position=5, alight_position=5),
        dict(reference="abc234"),
        dict(reference="ABC10O"),
        dict(seat_id="1"),
    ],
)
def test_claims_out_of_range_cannot_be_made(fields):
    values = (
        dict(
            key_id=1,
            ticket_id=1,
            run_id=1,
            seat_id=1,
            board_position=0,
            alight_position=1,
            reference="ABC234",
        )
        | fields
    )
    with pytest.raises(ValueError):
        TicketClaims(**values)
