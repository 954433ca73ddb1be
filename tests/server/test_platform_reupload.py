"""Uploading is idempotent, also across a revocation: a terminal whose answer was lost sends the packet again and
gets the receipt it was given, even though its signer's certificate has been revoked since (the receipt proves the
packet verified when received). A new packet of the same signer is refused. Real platform, TLS and CRL."""

from __future__ import annotations

import hashlib
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from app.sync.packet import Attachment, BuiltPacket, build_packet
from app.sync.platform_batch import UploadRefusal, UploadResult
from app.sync.platform_client import PlatformFailed
from tests.server.platform_support import PlatformPki, in_thread, make_pki, publish_crl, stop_thread, write_platform


def _transfer(pki: PlatformPki) -> BuiltPacket:
    world = pki.world
    return build_packet(
        world.enforcement_operator, kind="transfer.sent", case_id=f"CASE-{uuid.uuid4().hex[:8]}",
        recipients=[world.police_code], payload={"案由": "测试"},
        attachments=[Attachment("移送书.pdf", "application/pdf", b"%PDF-1.7 " + uuid.uuid4().bytes)],
    )  # fmt: skip


def test_a_packet_sent_again_after_its_signer_was_revoked_gets_its_receipt_again(tmp_path: Path) -> None:
    pki = make_pki()
    config = write_platform(pki, tmp_path / "platform")
    running, _server = in_thread(pki, config)
    try:
        first, second, later = _transfer(pki), _transfer(pki), _transfer(pki)
        with running.client("enforcement") as client:
            taken = client.upload(first.packet_id, first.data)
            batch_taken = client.upload_batch([(second.packet_id, second.data)])
            # The answers are lost; the operator's certificate is revoked before the terminal sends them again.
            pki.world.intermediate.revoke(pki.world.enforcement_operator.certificate)
            publish_crl(pki, config)
            time.sleep(1.3)  # the platform looks at its published files at most once a second
            again = client.upload(first.packet_id, first.data)
            outcomes = client.upload_batch([(second.packet_id, second.data), (later.packet_id, later.data)])
        assert taken.created and not again.created
        assert (again.receipt_json, again.receipt_signature) == (taken.receipt_json, taken.receipt_signature)
        (was,) = batch_taken
        repeated, refused = outcomes
        assert isinstance(was, UploadResult) and isinstance(repeated, UploadResult) and not repeated.created
        assert repeated.receipt_json == was.receipt_json
        assert isinstance(refused, UploadRefusal) and (refused.status, refused.code) == (422, "signer-revoked")
        # Only the new packet is quarantined; the two sent again were answered, not refused.
        quarantined = {path.name for path in (tmp_path / "platform" / "data" / "quarantine").glob("*.quarantined")}
        assert quarantined == {f"{hashlib.sha256(later.data).hexdigest()}.ljp.quarantined"}
    finally:
        stop_thread(running)


def test_a_lone_upload_the_store_could_not_keep_is_answered_in_chinese_and_sent_again(tmp_path: Path) -> None:
    """The writer's transaction fails (disk full: made to here, it cannot be had for real): the answer is the API's
    500 ``store-failed`` with the operator's sentence (it was Starlette's plain-text page), and the packet goes up
    once the store works again."""
    pki = make_pki()
    running, _server = in_thread(pki, write_platform(pki, tmp_path / "platform"))
    platform = running.stop[2]
    accept_batch = platform.store.accept_batch

    def disk_full(*_args: object) -> None:
        raise OperationalError("COMMIT", {}, Exception("database or disk is full"))

    try:
        packet = _transfer(pki)
        platform.store.accept_batch = disk_full
        with running.client("enforcement") as client, pytest.raises(PlatformFailed) as raised:
            client.upload(packet.packet_id, packet.data)
        assert raised.value.user_message == "平台保存数据包时出错，未予接收；终端将稍后重试。"
        platform.store.accept_batch = accept_batch
        with running.client("enforcement") as client:
            assert client.upload(packet.packet_id, packet.data).created
    finally:
        stop_thread(running)
