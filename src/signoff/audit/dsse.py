"""DSSE envelopes: the payload is signed over its pre-authentication encoding (PAE), so the
payload type cannot be swapped without breaking the signature."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from signoff.audit.keys import key_id, signature_valid

IN_TOTO_PAYLOAD = "application/vnd.in-toto+json"


def pae(payload_type: str, payload: bytes) -> bytes:
    """DSSEv1 pre-authentication encoding: lengths are byte counts in ASCII decimal."""
    kind = payload_type.encode()
    return b"DSSEv1 %d %s %d %s" % (len(kind), kind, len(payload), payload)


def sign_envelope(
    payload: bytes, key: Ed25519PrivateKey, payload_type: str = IN_TOTO_PAYLOAD
) -> dict[str, Any]:
    signature = key.sign(pae(payload_type, payload))
    return {
        "payloadType": payload_type,
        "payload": base64.b64encode(payload).decode(),
        "signatures": [
            {"keyid": key_id(key.public_key()), "sig": base64.b64encode(signature).decode()}
        ],
    }


@dataclass(frozen=True, slots=True)
class EnvelopeCheck:
    """The signature verdict and, when the envelope is well formed, its decoded payload."""

    signed: bool
    problem: str | None
    payload_type: str | None
    payload: bytes | None


def open_envelope(envelope: object, public: Ed25519PublicKey) -> EnvelopeCheck:
    """Check an envelope's shape and that `public` signed it; never raises on bad input."""
    if not isinstance(envelope, dict):
        return EnvelopeCheck(False, "not a DSSE envelope (not a JSON object)", None, None)
    payload_type = envelope.get("payloadType")
    raw = envelope.get("payload")
    sigs = envelope.get("signatures")
    if not isinstance(payload_type, str) or not isinstance(raw, str) or not isinstance(sigs, list):
        return EnvelopeCheck(
            False, "not a DSSE envelope (payloadType, payload, signatures)", None, None
        )
    try:
        payload = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        return EnvelopeCheck(False, "payload is not valid base64", payload_type, None)
    wanted = key_id(public)
    message = pae(payload_type, payload)
    matching = [s for s in sigs if isinstance(s, dict) and s.get("keyid") in (wanted, None, "")]
    if not matching:
        return EnvelopeCheck(False, "signed by another key", payload_type, payload)
    for sig in matching:
        try:
            signature = base64.b64decode(str(sig.get("sig", "")), validate=True)
        except (binascii.Error, ValueError):
            continue
        if signature_valid(public, signature, message):
            return EnvelopeCheck(True, None, payload_type, payload)
    return EnvelopeCheck(
        False, "signature does not match: the envelope was altered", payload_type, payload
    )
