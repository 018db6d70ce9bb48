#!/usr/bin/env python3
"""Builds id_token fixtures with Python's `cryptography`, independently of the
crate under test: an RSA key, its JWK set and PEM forms, and RS256 tokens that
are valid or broken in one way each.

Usage: id_tokens.py ISSUER AUDIENCE NONCE   (prints one JSON object)
"""

import base64
import hashlib
import hmac
import json
import sys
import time

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def uint(n: int) -> str:
    return b64url(n.to_bytes((n.bit_length() + 7) // 8, "big"))


def part(obj) -> str:
    return b64url(json.dumps(obj, separators=(",", ":")).encode())


def main() -> None:
    issuer, audience, nonce = sys.argv[1:4]
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = key.public_key()
    numbers = public.public_numbers()
    kid = "py-" + hashlib.sha256(str(numbers.n).encode()).hexdigest()[:16]
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    pem_spki = public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    other_pem_spki = other.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    pem_pkcs1 = public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.PKCS1
    ).decode()

    now = int(time.time())
    base = {
        "iss": issuer,
        "sub": "asha.sandbox",
        "aud": audience,
        "iat": now,
        "exp": now + 3600,
        "auth_time": now,
        "nonce": nonce,
        "given_name": "Asha Python Kumari",
        "preferred_username": "asha.sandbox",
        "birthdate": "01/01/1990",
        "pan_number": "ABCPK1234F",
        "masked_aadhaar": "xxxxxxxx1234",
        "custom_claim": {"kept": True},
    }

    def rs(claims, header=None, signer=key, alg="RS256", digest=hashes.SHA256()):
        header = header or {"typ": "JWT", "alg": alg, "kid": kid}
        signing_input = f"{part(header)}.{part(claims)}".encode()
        signature = signer.sign(signing_input, padding.PKCS1v15(), digest)
        return f"{signing_input.decode()}.{b64url(signature)}"

    def with_(**changes):
        claims = dict(base)
        for k, v in changes.items():
            if v is None:
                claims.pop(k, None)
            else:
                claims[k] = v
        return claims

    valid = rs(base)
    h, p, s = valid.split(".")

    tampered_claims = dict(base, given_name="Mallory")
    tampered_payload = f"{h}.{part(tampered_claims)}.{s}"
    sig = bytearray(base64.urlsafe_b64decode(s + "=" * (-len(s) % 4)))
    sig[len(sig) // 2] ^= 0x01
    tampered_signature = f"{h}.{p}.{b64url(bytes(sig))}"

    none_header = part({"typ": "JWT", "alg": "none"})
    alg_none = f"{none_header}.{p}."

    # The classic confusion: HS256 keyed with the RSA public key's PEM bytes.
    hs_header = part({"typ": "JWT", "alg": "HS256", "kid": kid})
    hs_input = f"{hs_header}.{p}".encode()
    hs_mac = hmac.new(pem_spki.encode(), hs_input, hashlib.sha256).digest()
    hs256_public_key = f"{hs_input.decode()}.{b64url(hs_mac)}"

    tokens = {
        "valid": valid,
        "tampered_payload": tampered_payload,
        "tampered_signature": tampered_signature,
        "unknown_kid": rs(base, {"typ": "JWT", "alg": "RS256", "kid": "not-published"}),
        "other_key_same_kid": rs(base, signer=other),
        "alg_none": alg_none,
        "hs256_public_key": hs256_public_key,
        "rs384": rs(base, {"typ": "JWT", "alg": "RS384", "kid": kid}, digest=hashes.SHA384()),
        "expired": rs(with_(iat=now - 7200, exp=now - 3600)),
        "not_yet_valid": rs(with_(nbf=now + 3600)),
        "issued_in_future": rs(with_(iat=now + 3600, exp=now + 7200)),
        "wrong_aud": rs(with_(aud="SOMEONE-ELSE")),
        "wrong_iss": rs(with_(iss="https://issuer.invalid")),
        "wrong_nonce": rs(with_(nonce="another-nonce")),
        "no_nonce": rs(with_(nonce=None)),
        "missing_sub": rs(with_(sub=None)),
        "missing_iat": rs(with_(iat=None)),
        "no_kid": rs(base, {"typ": "JWT", "alg": "RS256"}),
        "aud_array_with_azp": rs(with_(aud=[audience, "OTHER"], azp=audience)),
        "aud_array_without_azp": rs(with_(aud=[audience, "OTHER"])),
        "crit_header": rs(base, {"typ": "JWT", "alg": "RS256", "kid": kid, "crit": ["exp"]}),
    }
    jwk = {"kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid,
           "n": uint(numbers.n), "e": uint(numbers.e)}
    json.dump({
        "kid": kid,
        "jwks": {"keys": [jwk]},
        "pem_spki": pem_spki,
        "pem_pkcs1": pem_pkcs1,
        "other_pem_spki": other_pem_spki,
        "claims": base,
        "tokens": tokens,
    }, sys.stdout)


if __name__ == "__main__":
    main()
