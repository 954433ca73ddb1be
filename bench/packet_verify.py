"""CPU time of verifying one packet and one platform receipt, as the platform and the receiving terminal do.

Packets are the real transfers of bench/sync_packets.py (≈ 22 KB of payload, one 100 KB attachment, ECDSA P-256,
≈ 130 KB signed); receipts are signed by the platform's receipt certificate exactly as ``server.app`` signs them.
Each packet goes through ``PacketVerifier.verify`` (with the platform's directory, CRLs and received-at time) and
each receipt through ``verify_receipt``, with one verifier and one validator per run, as a platform or a terminal
keeps them. Printed: the median over several runs of CPU milliseconds per packet (``time.process_time``), and in the
same invocation the floor: the bare ``cryptography`` ECDSA verify of the signed attributes plus SHA-256 of the same
bytes (for a packet: manifest, attachment and whole file). Never fails on time.
Usage: ``python bench/packet_verify.py [--packets N] [--runs N]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from app.sync.packet import (
    AgencyDirectory,
    ChainValidator,
    PacketVerifier,
    Receipt,
    SignedReceipt,
    der,
    sign_receipt,
    verify_receipt,
)
from bench.sync_packets import BenchPacket, _build_chunk
from tests.server.platform_support import PlatformPki, make_pki
from tests.sync.packet_support import packet_parts


def _signed_parts(p7s: bytes) -> tuple[bytes, bytes]:
    """(DER SET of the signed attributes, signature value) of a CMS SignedData made by ``cms.sign``."""
    _, start, end, _ = der.read(p7s)
    _, sd_start, _, _ = der.children(p7s, start, end)[1]
    _, body, body_end, _ = der.read(p7s, sd_start)
    _, si_set, si_set_end, _ = der.children(p7s, body, body_end)[4]
    _, si_start, si_end, _ = der.children(p7s, si_set, si_set_end)[0]
    parts = der.children(p7s, si_start, si_end)
    _, attrs_start, attrs_end, _ = parts[3]
    _, sig_start, sig_end, _ = parts[5]
    return der.tlv(der.SET, p7s[attrs_start:attrs_end]), p7s[sig_start:sig_end]


def _receipts(pki: PlatformPki, packets: list[BenchPacket], received_at: dt.datetime) -> list[SignedReceipt]:
    receipts = []
    for seq, packet in enumerate(packets, start=1):
        manifest = packet_parts(packet.data)["manifest.json"]
        receipt = Receipt(
            packet_id=packet.packet_id,
            manifest_sha256=hashlib.sha256(manifest).hexdigest(),
            packet_sha256=hashlib.sha256(packet.data).hexdigest(),
            sender=pki.world.enforcement_code,
            received_at=received_at,
            seq=seq,
            platform="bench-platform",
        )
        receipts.append(sign_receipt(receipt, pki.receipt_signer))
    return receipts


def _cpu_ms_per_item(work: Callable[[], None], items: int, runs: int) -> float:
    work()  # warm-up: caches a platform or terminal would already hold
    figures = []
    for _ in range(runs):
        began = time.process_time()
        work()
        figures.append((time.process_time() - began) * 1000 / items)
    return statistics.median(figures)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packets", type=int, default=100)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()

    pki = make_pki()
    world = pki.world
    packets = _build_chunk(pki, range(args.packets), "verify")
    # The platform stamps a packet when it takes it; the bench's certificates were issued moments ago.
    received_at = dt.datetime.now(dt.UTC)
    receipts = _receipts(pki, packets, received_at)
    directory = AgencyDirectory.from_json(world.directory_json())
    roots = [world.root.certificate]
    crls = world.crls()
    validator = ChainValidator(roots, crls)
    verifier = PacketVerifier(ChainValidator(roots, crls), directory)

    def verify_packets() -> None:
        for packet in packets:
            verifier.verify(packet.data, at=received_at)

    def verify_receipts() -> None:
        for signed in receipts:
            verify_receipt(signed.receipt_json, signed.signature, validator, platform_agency=world.office_code)

    packet_key = world.enforcement_operator.certificate.public_key()
    receipt_key = pki.receipt_signer.certificate.public_key()
    assert isinstance(packet_key, ec.EllipticCurvePublicKey) and isinstance(receipt_key, ec.EllipticCurvePublicKey)
    packet_floor = []
    for packet in packets:
        parts = packet_parts(packet.data)
        blobs = [v for k, v in parts.items() if k.startswith("attachments/")]
        packet_floor.append((*_signed_parts(parts["manifest.p7s"]), [parts["manifest.json"], *blobs, packet.data]))
    receipt_floor = [(*_signed_parts(r.signature), [r.receipt_json]) for r in receipts]

    def floor(key: ec.EllipticCurvePublicKey, items: list[tuple[bytes, bytes, list[bytes]]]) -> Callable[[], None]:
        algorithm = ec.ECDSA(hashes.SHA256())

        def run() -> None:
            for attrs, signature, hashed in items:
                key.verify(signature, attrs, algorithm)
                for blob in hashed:
                    hashlib.sha256(blob).digest()

        return run

    size = statistics.median(len(p.data) for p in packets) / 1024
    print(f"{args.packets} transfer packets of ≈ {size:.0f} KB, {args.runs} runs; CPU ms per item (median of runs)")
    # Each verification beside its floor, measured in turn: on a shared machine the ratio moves less than the figures.
    for what, work, key, items in (
        ("packet", verify_packets, packet_key, packet_floor),
        ("receipt", verify_receipts, receipt_key, receipt_floor),
    ):
        verified = _cpu_ms_per_item(work, len(items), args.runs)
        bare = _cpu_ms_per_item(floor(key, items), len(items), args.runs)
        print(f"  {what + ' verify':<34} {verified:7.3f} ms   ({verified / bare:.1f} × the floor)")
        print(f"  {what + ' floor (ECDSA + SHA-256)':<34} {bare:7.3f} ms")


if __name__ == "__main__":
    main()
