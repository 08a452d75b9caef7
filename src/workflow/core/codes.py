"""Random codes people are given, and how the service keeps only their hashes.

Pure functions: no database, no framework.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

# No 0/O, 1/I/L: Registration Numbers are typed in from an email.
_REGISTRATION_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
# How Registration Numbers were hashed before (still verified, never written).
_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}


def new_reference_number(digits: int = 7) -> str:
    """A Reference Number: ``digits`` random digits, no leading zero.

    Drawn from the OS's CSPRNG, so knowing one number tells nothing about another.
    """
    low = 10 ** (digits - 1)
    return str(low + secrets.randbelow(9 * low))


def new_registration_number() -> str:
    """A one-time Registration Number like ``K7QM-X2PD-9HVR`` (about 59 bits)."""
    chars = "".join(secrets.choice(_REGISTRATION_ALPHABET) for _ in range(12))
    return "-".join(chars[i : i + 4] for i in range(0, 12, 4))


def normalize_registration_number(value: str) -> str:
    return "".join(ch for ch in value.upper() if ch.isalnum())


def hash_secret(value: str) -> str:
    """Salted hash of a random one-time code (``sha256$salt$digest``): HMAC-SHA256 keyed
    by 16 random bytes.

    A Registration Number is 12 characters drawn from 31 by the OS's CSPRNG (about 59
    bits), is good for one activation and needs the exact e-mail beside it: guessing it
    from a stolen hash takes on the order of 2^58 tries per number, so a fast hash is
    enough here (as for API tokens). A slow hash (scrypt, 40 ms of CPU) on every
    ``register`` and ``activate`` cost more than everything else in those events. Hashes
    stored before (``scrypt$...``) still verify."""
    salt = secrets.token_bytes(16)
    digest = hmac.new(salt, value.encode(), hashlib.sha256).hexdigest()
    return f"sha256${salt.hex()}${digest}"


def verify_secret(value: str, stored: str | None) -> bool:
    if not stored:
        return False
    try:
        scheme, salt_hex, digest_hex = stored.split("$")
        salt = bytes.fromhex(salt_hex)
    except ValueError:
        return False
    if scheme == "sha256":
        digest = hmac.new(salt, value.encode(), hashlib.sha256).hexdigest()
    elif scheme == "scrypt":
        digest = hashlib.scrypt(value.encode(), salt=salt, **_SCRYPT).hex()
    else:
        return False
    return hmac.compare_digest(digest, digest_hex)


def new_api_token() -> str:
    """An API token: 256 random bits, prefixed so leaked tokens are easy to spot."""
    return "wf_" + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """Tokens are long and random, so a fast unsalted hash is enough to look them up."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_password() -> str:
    """A random password for a first account: 20 characters, printed once."""
    return secrets.token_urlsafe(15)
