"""Ed25519 signing keys for attestations: generated locally, stored as PEM, named by a key id.

The key id is the SHA-256 of the public key's DER encoding, so a verifier can tell which key
signed an envelope without trusting anything but the public key file it was handed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from signoff.errors import SignoffError
from signoff.files import TooLarge, read_bounded, write_atomic
from signoff.git.repo import Repo

PRIVATE_NAME = "signoff-attest.key"
PUBLIC_NAME = "signoff-attest.pub"


def default_key_dir(repo: Repo) -> Path:
    """Inside the git directory: never committed, never pushed."""
    return repo.git_dir / "signoff" / "keys"


def key_id(public: Ed25519PublicKey) -> str:
    der = public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(der).hexdigest()


@dataclass(frozen=True, slots=True)
class KeyFiles:
    private: Path
    public: Path
    keyid: str


def generate_key(directory: Path, *, force: bool = False) -> KeyFiles:
    """Write a new key pair; refuses to overwrite one unless `force` (a lost key is lost)."""
    private_path = directory / PRIVATE_NAME
    public_path = directory / PUBLIC_NAME
    if private_path.exists() and not force:
        raise SignoffError(
            f"a signing key already exists at {private_path}",
            "keep using it, or pass --force to replace it (old attestations then need the old "
            "public key to verify)",
        )
    directory.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    write_atomic(private_path, pem, mode=0o600)  # readable by its owner only, from the start
    public = key.public_key()
    write_atomic(
        public_path,
        public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
    )
    return KeyFiles(private_path, public_path, key_id(public))


def load_private_key(path: Path) -> Ed25519PrivateKey:
    data = _read(path, "signing key", "create one with `signoff keygen`")
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise SignoffError(
            f"{path} is not an unencrypted PEM private key ({_reason(exc)})",
            "create one with `signoff keygen`",
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SignoffError(f"{path} is not an Ed25519 key", "create one with `signoff keygen`")
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    data = _read(path, "public key", "pass the .pub file written by `signoff keygen` with --key")
    try:
        key = serialization.load_pem_public_key(data)
    except ValueError as exc:
        raise SignoffError(f"{path} is not a PEM public key ({_reason(exc)})") from None
    if not isinstance(key, Ed25519PublicKey):
        raise SignoffError(f"{path} is not an Ed25519 public key")
    return key


def signature_valid(public: Ed25519PublicKey, signature: bytes, message: bytes) -> bool:
    try:
        public.verify(signature, message)
    except InvalidSignature:
        return False
    return True


def _read(path: Path, what: str, fix: str) -> bytes:
    try:
        return read_bounded(path, 64 * 1024)
    except TooLarge:
        raise SignoffError(f"{path} is not a {what}: larger than 64 KB", fix) from None
    except FileNotFoundError:
        raise SignoffError(f"no {what} at {path}", fix) from None
    except OSError as exc:
        raise SignoffError(f"cannot read {what} {path}: {exc.strerror}", fix) from None


def _reason(exc: Exception) -> str:
    """The library's first sentence, without its internal details (Rust or list reprs)."""
    text = str(exc).split(" Details:")[0].split(". See ")[0]
    return text.split(". ")[0].strip().rstrip(".") or type(exc).__name__
