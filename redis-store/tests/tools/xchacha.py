"""XChaCha20-Poly1305 from Python's `cryptography`, independently of the Rust
store: HChaCha20 is derived from cryptography's ChaCha20 block function and
checked against the test vectors of draft-irtf-cfrg-xchacha-03 on every run.

    xchacha.py seal KEY_HEX NONCE_HEX AAD PLAINTEXT  -> 01 || nonce || ct+tag (hex)
    xchacha.py open KEY_HEX AAD SEALED_HEX           -> the plaintext
"""
import struct
import sys

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

SEALED = b"\x01"


def hchacha20(key, n16):
    # A ChaCha20 block minus the feed-forward is the state after 20 rounds;
    # HChaCha20 is its words 0-3 and 12-15.
    block = Cipher(algorithms.ChaCha20(key, n16), None).encryptor().update(b"\0" * 64)
    out = struct.unpack("<16I", block)
    init = (0x61707865, 0x3320646E, 0x79622D32, 0x6B206574)
    init += struct.unpack("<8I", key) + struct.unpack("<4I", n16)
    words = [(o - i) & 0xFFFFFFFF for o, i in zip(out, init)]
    return struct.pack("<8I", *(words[0:4] + words[12:16]))


def aead(key, nonce24):
    return ChaCha20Poly1305(hchacha20(key, nonce24[:16])), b"\0" * 4 + nonce24[16:]


def self_check():
    # draft-irtf-cfrg-xchacha-03, 2.2.1 and A.3.1.
    key, n16 = bytes(range(32)), bytes.fromhex("000000090000004a0000000031415927")
    assert hchacha20(key, n16).hex() == (
        "82413b4227b27bfed30e42508a877d73a0f9e4d58a74a853c12ec41326d3ecdc"
    )
    key = bytes(range(0x80, 0xA0))
    cipher, nonce = aead(key, bytes(range(0x40, 0x58)))
    plain = b"Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it."
    sealed = cipher.encrypt(nonce, plain, bytes.fromhex("50515253c0c1c2c3c4c5c6c7"))
    assert sealed[-16:].hex() == "c0875924c1c7987947deafd8780acf49"


def main(args):
    self_check()
    if args[0] == "seal":
        key, nonce24, aad, plain = bytes.fromhex(args[1]), bytes.fromhex(args[2]), args[3], args[4]
        cipher, nonce = aead(key, nonce24)
        print((SEALED + nonce24 + cipher.encrypt(nonce, plain.encode(), aad.encode())).hex())
    elif args[0] == "open":
        key, aad, sealed = bytes.fromhex(args[1]), args[2], bytes.fromhex(args[3])
        assert sealed[:1] == SEALED, "not the sealed format"
        nonce24, body = sealed[1:25], sealed[25:]
        cipher, nonce = aead(key, nonce24)
        sys.stdout.write(cipher.decrypt(nonce, body, aad.encode()).decode())
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
