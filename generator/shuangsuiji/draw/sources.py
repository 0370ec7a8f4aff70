"""Seed sources: value formats, and the offline check of a drand quicknet beacon.

The drand check needs no network: quicknet (scheme `bls-unchained-g1-rfc9380`) signs
SHA-256(round as 8-byte big-endian) with BLS12-381, signature in G1, public key in G2,
hashed to G1 per RFC 9380 with the DST below; randomness = SHA-256(signature).
"""

from __future__ import annotations

import hashlib
import re

from shuangsuiji.core.errors import fail

SOURCE_KINDS = ("drand-quicknet", "lottery", "dice")

_VALUE = {
    "dice": re.compile(r"[0-9]+"),
    "lottery": re.compile(r"[0-9A-Za-z_-]+:[0-9]+(?:\.[0-9]+)*"),
    "drand-quicknet": re.compile(r"[1-9][0-9]*:[0-9a-f]{64}"),
}
_SHAPE = {
    "dice": ("掷出的数字串，只含数字，如 31415926", "the digits as rolled, digits only, e.g. 31415926"),
    "lottery": ("<期号>:<按开出顺序的号码，用 . 连接>，如 2026001:03.07.12",
                "<draw id>:<numbers in drawn order joined by .>, e.g. 2026001:03.07.12"),
    "drand-quicknet": ("<轮次>:<64 位小写十六进制随机数>", "<round>:<64 lowercase hex digits of randomness>"),
}

# drand quicknet, pinned (spec draw.md, "Other checks").
QUICKNET_CHAIN_HASH = "52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971"
QUICKNET_GENESIS = 1692803367
QUICKNET_PERIOD = 3
QUICKNET_PUBLIC_KEY = bytes.fromhex(
    "83cf0f2896adee7eb8b5f01fcad3912212c437e0073e911fb90022d3e760183c8c4b450b6a0a6c3ac6a5776a2d1064510d"
    "1fec758c921cc22b0e17e63aaf4bcb5ed66304de9cf809bd274ca73bab4af5a6e9c76a4bc09e76eae8991ef5ece45a")
QUICKNET_DST = b"BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_"


def check_source_kind(kind: str) -> None:
    if kind not in SOURCE_KINDS:
        fail("draw.source-kind", f"未知的随机种子来源类型 {kind!r}", f"unknown seed source kind {kind!r}",
             f"可用类型：{'、'.join(SOURCE_KINDS)}", f"known kinds: {', '.join(SOURCE_KINDS)}", field="sources")


def check_source(kind: str, value: str) -> None:
    """A source value must have its kind's exact shape (UserError otherwise)."""
    check_source_kind(kind)
    if not isinstance(value, str) or not _VALUE[kind].fullmatch(value):
        zh, en = _SHAPE[kind]
        fail("draw.source-value", f"{kind} 来源的值 {value!r} 格式不对", f"{kind} value {value!r} is malformed",
             f"应为 {zh}", f"expected {en}", field="sources")


def round_at(t: int) -> int:
    """The quicknet round current at Unix time t (t ≥ genesis): floor((t − genesis)/3) + 1."""
    return (t - QUICKNET_GENESIS) // QUICKNET_PERIOD + 1


def round_time(round_no: int) -> int:
    """Unix time at which quicknet round `round_no` is produced."""
    return QUICKNET_GENESIS + (round_no - 1) * QUICKNET_PERIOD


def drand_randomness(signature: bytes) -> str:
    return hashlib.sha256(signature).hexdigest()


def verify_quicknet(round_no: int, signature: bytes) -> bool:
    """Offline BLS check of a quicknet beacon: e(pk, H(m)) == e(g2, sig), both points in their subgroups.

    Takes about a second (pure-Python pairing); any malformed signature is simply invalid.
    py_ecc is imported here, not at the top: it is slow to import and only `verify` needs it.
    """
    from py_ecc.bls.g2_primitives import subgroup_check
    from py_ecc.bls.hash_to_curve import hash_to_G1
    from py_ecc.bls.point_compression import decompress_G1, decompress_G2
    from py_ecc.optimized_bls12_381 import FQ12, G2, final_exponentiate, is_inf, neg
    from py_ecc.optimized_bls12_381.optimized_pairing import miller_loop

    if len(signature) != 48 or round_no < 1:
        return False
    try:
        sig = decompress_G1(int.from_bytes(signature, "big"))
        pk = decompress_G2((int.from_bytes(QUICKNET_PUBLIC_KEY[:48], "big"),
                            int.from_bytes(QUICKNET_PUBLIC_KEY[48:], "big")))
    except ValueError:
        return False
    if is_inf(sig) or not subgroup_check(sig) or not subgroup_check(pk):
        return False
    message = hashlib.sha256(round_no.to_bytes(8, "big")).digest()
    h = hash_to_G1(message, QUICKNET_DST, hashlib.sha256)
    product = miller_loop(pk, h, False) * miller_loop(neg(G2), sig, False)
    return final_exponentiate(product) == FQ12.one()


def check_drand_value(value: str, signature_hex: str) -> bool:
    """A `drand-quicknet` source value `<round>:<randomness>` is genuine for this signature."""
    check_source("drand-quicknet", value)
    round_text, randomness = value.split(":")
    try:
        signature = bytes.fromhex(signature_hex)
    except ValueError:
        return False
    return drand_randomness(signature) == randomness and verify_quicknet(int(round_text), signature)
