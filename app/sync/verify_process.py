"""Verifying received packets in a process of its own, so that a pull uses the second core.

A terminal's pull is one Python process: verifying a transfer (receipt and packet: two ECDSA checks, the archive,
the manifest, the certificate chain, the attachments' hashes, ≈ 1 ms) holds the GIL that the store's writer needs
for the same packet's apply, so the two take turns on one core. ``VerifyingProcess`` runs the same verification
(``judge_one``, the very function the in-process path runs) in a child process started once with ``spawn`` and
kept for the engine's life; the pull sends it a part of a page while the writer applies the part before.

What comes back is the verdict, never a shortcut: a refusal (its class, log message and operator sentence), or what
the verification established (receipt, hashes, signer, where the manifest and each attachment lie in the bytes).
This process then builds the ``VerifiedPacket`` from its own copy of the bytes, parsing the manifest again with the
same strict parser. Anything unexpected (the child cannot start, dies, or hits a defect) makes ``judge`` answer
None for that packet or part, and the caller verifies it here as before: slower, never different.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import logging
import multiprocessing
import pickle
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from app.sync.packet import PacketRejected, PacketVerifier, VerifiedPacket
from app.sync.packet.archive import MANIFEST_AT
from app.sync.packet.kinds import AgencyDirectory
from app.sync.packet.manifest import parse_manifest
from app.sync.packet.receipt import Receipt, parse_receipt, verify_receipt
from app.sync.packet.trust import CertificateValidator, ChainValidator

log = logging.getLogger(__name__)

Verdict = tuple[VerifiedPacket, Receipt | None] | PacketRejected
Receipted = tuple[bytes, bytes] | None  # a packet's receipt as the platform sent it (json, signature), if any
Sent = tuple[bytes, Receipted]


@dataclass(frozen=True)
class TrustSpec:
    """What a ``Trust``'s verifier is built from (anchors, CRLs, directory, office), as bytes a process can take."""

    roots: tuple[bytes, ...]
    crls: tuple[bytes, ...]
    directory: bytes | None  # None: no sender-permission check (as ``lianjie packet verify`` without a directory)
    office_code: str

    def verifier(self) -> PacketVerifier:
        """The verifier ``TrustSource.load`` builds from the same inputs."""
        roots = [x509.load_der_x509_certificate(der) for der in self.roots]
        crls = [x509.load_der_x509_crl(der) for der in self.crls]
        directory = None if self.directory is None else AgencyDirectory.from_json(self.directory)
        return PacketVerifier(ChainValidator(roots, crls), directory)


def judge_one(verifier: PacketVerifier, office_code: str, data: bytes, receipt: Receipted) -> Verdict:
    """Receipt first (its received-at is when the signer's certificate must have been valid), then the packet."""
    try:
        checked = None if receipt is None else check_receipt(verifier.validator, office_code, *receipt)
        return verifier.verify(data, at=checked.received_at if checked else None), checked
    except PacketRejected as rejection:
        return rejection


def check_receipt(validator: CertificateValidator, office_code: str, receipt_json: bytes, signature: bytes) -> Receipt:
    """The platform's receipt, signed by the office's platform certificate, or a refusal."""
    hint = parse_receipt(receipt_json)
    return verify_receipt(receipt_json, signature, validator, platform_agency=office_code, packet_id=hint.packet_id)


class VerifyingProcess:
    """The child process and its pipe; ``judge`` may be called from one thread at a time."""

    START_TIMEOUT = 30.0

    def __init__(self) -> None:
        self._process: Any = None
        self._connection: Connection | None = None
        self._spec: TrustSpec | None = None
        self._failed = False
        self._lock = threading.Lock()
        self._certificates: dict[bytes, x509.Certificate] = {}

    def judge(self, spec: TrustSpec, sent: Sequence[Sent]) -> list[Verdict | None] | None:
        """A verdict per packet (None: verify that one here), or None when the process is not available."""
        with self._lock:
            connection = self._ready(spec)
            if connection is None:
                return None
            try:
                connection.send_bytes(pickle.dumps(("judge", list(sent)), protocol=pickle.HIGHEST_PROTOCOL))
                answers = pickle.loads(connection.recv_bytes())
            except (OSError, EOFError, pickle.PickleError) as exc:
                log.warning("verifying process lost (%s); verifying in this process", type(exc).__name__)
                self._stop()
                self._failed = True
                return None
        return [self._verdict(answer, data) for answer, (data, _receipt) in zip(answers, sent, strict=True)]

    def close(self) -> None:
        with self._lock:
            self._stop()

    def _ready(self, spec: TrustSpec) -> Connection | None:
        if self._failed:
            return None
        if self._connection is None:
            try:
                context = multiprocessing.get_context("spawn")
                ours, theirs = context.Pipe()
                process = context.Process(target=serve, args=(theirs,), name="lianjie-verify", daemon=True)
                process.start()
                theirs.close()
                if not ours.poll(self.START_TIMEOUT) or ours.recv_bytes() != b"ready":
                    raise OSError("the verifying process did not start")
            except (OSError, EOFError, RuntimeError) as exc:
                log.warning("no verifying process (%s); verifying in this process", exc)
                self._failed = True
                return None
            self._process, self._connection, self._spec = process, ours, None
        if spec != self._spec:
            self._connection.send_bytes(pickle.dumps(("trust", spec), protocol=pickle.HIGHEST_PROTOCOL))
            self._spec = spec
        return self._connection

    def _stop(self) -> None:
        connection, process = self._connection, self._process
        self._connection = self._process = self._spec = None
        if connection is not None:
            with contextlib.suppress(OSError):
                connection.close()  # the child ends at end of input
        if process is not None:
            process.join(5)
            if process.is_alive():
                process.kill()

    def _verdict(self, answer: tuple[Any, ...], data: bytes) -> Verdict | None:
        if answer[0] == "refused":
            return _rejection(*answer[1:])
        if answer[0] != "verified":
            return None
        receipt, summary = answer[1], answer[2]
        manifest_bytes = data[MANIFEST_AT : MANIFEST_AT + summary["manifest_length"]]
        if hashlib.sha256(manifest_bytes).hexdigest() != summary["manifest_sha256"]:
            return None  # not the bytes the child verified: verify them here
        manifest = parse_manifest(manifest_bytes)  # the same strict parser: nothing is taken on trust but the verdict
        at = summary["attachments"]
        attachments = {ref.sha256: data[at[ref.sha256] : at[ref.sha256] + ref.size] for ref in manifest.attachments}
        der = summary["signer_der"]
        certificate = self._certificates.get(der)
        if certificate is None:
            certificate = self._certificates.setdefault(der, x509.load_der_x509_certificate(der))
        packet = VerifiedPacket(
            manifest=manifest, manifest_bytes=manifest_bytes, manifest_sha256=summary["manifest_sha256"],
            packet_sha256=summary["packet_sha256"], signer=summary["signer"], signer_certificate=certificate,
            signing_time=summary["signing_time"], attachments=attachments, data=data,
            warnings=summary["warnings"], attachment_offsets=at,
        )  # fmt: skip
        return packet, receipt


def _rejection(module: str, name: str, message: str, user_message: str, next_step: str) -> PacketRejected:
    """The refusal the child raised, as the same class with the same texts."""
    found = getattr(importlib.import_module(module), name, None) if module.startswith("app.") else None
    kind = found if isinstance(found, type) and issubclass(found, PacketRejected) else PacketRejected
    return kind(message, user_message=user_message, next_step=next_step)


def _answer(
    verifier: PacketVerifier, office_code: str, data: bytes, receipt: tuple[bytes, bytes] | None
) -> tuple[Any, ...]:
    verdict = judge_one(verifier, office_code, data, receipt)
    if isinstance(verdict, PacketRejected):
        kind = type(verdict)
        return ("refused", kind.__module__, kind.__qualname__, str(verdict), verdict.user_message, verdict.next_step)
    packet, checked = verdict
    summary = {
        "manifest_length": len(packet.manifest_bytes), "manifest_sha256": packet.manifest_sha256,
        "packet_sha256": packet.packet_sha256, "signer": packet.signer, "signing_time": packet.signing_time,
        "signer_der": packet.signer_certificate.public_bytes(Encoding.DER), "warnings": packet.warnings,
        "attachments": dict(packet.attachment_offsets),
    }  # fmt: skip
    return ("verified", checked, summary)


def serve(connection: Connection) -> None:
    """The child: build the verifier of each trust it is sent, answer each part, end at end of input."""
    connection.send_bytes(b"ready")
    verifier: PacketVerifier | None = None
    office_code = ""
    while True:
        try:
            request = pickle.loads(connection.recv_bytes())
        except (EOFError, OSError):
            return
        if request[0] == "trust":
            spec: TrustSpec = request[1]
            verifier, office_code = spec.verifier(), spec.office_code
            continue
        answers = []
        for data, receipt in request[1]:
            try:
                answers.append(_answer(verifier, office_code, data, receipt) if verifier else ("error", "no trust"))
            except Exception as exc:  # a defect: the parent verifies this packet itself and sees it there
                answers.append(("error", type(exc).__name__))
        connection.send_bytes(pickle.dumps(answers, protocol=pickle.HIGHEST_PROTOCOL))
