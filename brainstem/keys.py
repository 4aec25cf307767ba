"""API keys: what a key is, how its token looks, and how a token is checked.

A token is ``bsk_<key id>_<secret>``: the key id (12 hex characters) is the
short visible part that ``brainstem keys list`` shows and that a request's
token is looked up by; the secret is 32 random bytes (base64url). Only the
SHA-256 of the whole token is stored, and the token is shown once, when the
key is created. A fast hash is the right one here: the secret has 256 bits
of entropy, so no amount of hashing speed makes guessing it feasible, and a
slow password hash (bcrypt, scrypt) would cost every request tens of
milliseconds for nothing (docs/decisions.md).

A key belongs to one tenant and sees only that tenant; an admin key also
belongs to a tenant (its default) and may act on any tenant.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime

from brainstem.models import iso, utcnow

TOKEN_PREFIX = "bsk_"
_TOKEN = re.compile(r"bsk_([0-9a-f]{12})_([A-Za-z0-9_\-]{43})")


@dataclass(slots=True)
class ApiKey:
    key_id: str
    tenant_id: str
    name: str
    secret_hash: str
    admin: bool = False
    created_at: datetime = field(default_factory=utcnow)
    revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def public(self) -> dict:
        """What may be shown about a key (never its hash)."""
        return {"key_id": self.key_id, "prefix": f"{TOKEN_PREFIX}{self.key_id}", "tenant_id": self.tenant_id,
                "name": self.name, "admin": self.admin, "created_at": iso(self.created_at),
                "revoked_at": iso(self.revoked_at)}


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_key(tenant_id: str, name: str = "", admin: bool = False) -> tuple[ApiKey, str]:
    """A fresh key and its token (the only time the token exists in clear)."""
    key_id = secrets.token_hex(6)
    token = f"{TOKEN_PREFIX}{key_id}_{secrets.token_urlsafe(32)}"
    return ApiKey(key_id=key_id, tenant_id=tenant_id, name=name or key_id, secret_hash=hash_token(token),
                  admin=admin), token


def key_id_of(token: str) -> str | None:
    """The key id a well-formed token names, or None."""
    m = _TOKEN.fullmatch(token)
    return m.group(1) if m else None


def token_matches(key: ApiKey, token: str) -> bool:
    return hmac.compare_digest(key.secret_hash, hash_token(token))


__all__ = ["ApiKey", "TOKEN_PREFIX", "hash_token", "key_id_of", "new_key", "token_matches"]
