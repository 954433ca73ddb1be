"""``lianjie packet``: verify a packet file against trust anchors and CRLs, or show what it says.

``lianjie packet verify FILE --trust ROOT.pem [--crl CRL.pem ...] [--directory AGENCIES.json]`` exits 0 only when the
packet is valid; ``lianjie packet show FILE`` prints the manifest (marked unverified) and the attachments.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from cryptography import x509

from app.sync.packet import AgencyDirectory, ChainValidator, PacketRejected, PacketVerifier, Quarantine
from app.sync.packet.archive import MANIFEST_NAME, ArchiveLimits, read_archive
from app.sync.packet.kinds import DirectoryInvalid
from app.sync.packet.manifest import parse_manifest
from app.sync.packet.published import load_crls
from app.sync.packet.quarantine import verify_or_quarantine

EXIT_VALID = 0
EXIT_INVALID = 1
EXIT_USAGE = 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Sub-commands ``verify`` and ``show``."""
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    verify = sub.add_parser("verify", help="校验数据包（签名、证书链、吊销、附件、发送权限）")
    verify.add_argument("file", type=Path, help="数据包文件（.ljp）")
    verify.add_argument("--trust", type=Path, required=True, help="信任的根证书（PEM，可含多张）")
    verify.add_argument("--crl", type=Path, action="append", default=[], help="证书吊销列表（PEM 或 DER，可多次指定）")
    verify.add_argument("--directory", type=Path, help="成员单位名录（JSON），用于检查发送权限与接收单位")
    verify.add_argument("--quarantine", type=Path, help="校验失败时将数据包隔离保存到此目录")
    show = sub.add_parser("show", help="显示数据包内容（不校验签名）")
    show.add_argument("file", type=Path, help="数据包文件（.ljp）")


# A packet's archive holds at most ``ArchiveLimits().max_total_bytes`` of content; its headers add little. A file
# larger than this is not read (it was read whole first: 1 GiB of memory for a 1 GiB file, then refused).
MAX_FILE_BYTES = ArchiveLimits().max_total_bytes + 16 * 1024 * 1024


def _read(path: Path, what: str) -> bytes | None:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            print(f"错误：{what} {path} 超过 {MAX_FILE_BYTES // (1024 * 1024)} MB，不是有效的文件，未读取。")
            return None
        return path.read_bytes()
    except OSError as exc:
        print(f"错误：无法读取{what} {path}：{exc.strerror}")
        return None


def _verify(args: argparse.Namespace) -> int:
    trust_pem = _read(args.trust, "根证书")
    data = _read(args.file, "数据包")
    if trust_pem is None or data is None:
        return EXIT_USAGE
    try:
        roots = x509.load_pem_x509_certificates(trust_pem)
    except ValueError:
        print(f"错误：{args.trust} 不是 PEM 格式的证书。")
        return EXIT_USAGE
    crls = []
    for crl_path in args.crl:
        raw = _read(crl_path, "证书吊销列表")
        if raw is None:
            return EXIT_USAGE
        try:
            crls.extend(load_crls(raw))  # a bundle holds one CRL per CA of the hierarchy
        except PacketRejected as exc:
            print(f"错误：{crl_path}：{exc.user_message}")
            return EXIT_USAGE
    directory = None
    if args.directory is not None:
        raw = _read(args.directory, "成员单位名录")
        if raw is None:
            return EXIT_USAGE
        try:
            directory = AgencyDirectory.from_json(raw)
        except DirectoryInvalid as exc:
            print(f"错误：成员单位名录无效：{exc}")
            return EXIT_USAGE
    verifier = PacketVerifier(ChainValidator(roots, crls, require_crl=bool(crls)), directory)
    try:
        if args.quarantine is not None:
            verified = verify_or_quarantine(verifier, data, Quarantine(args.quarantine), origin=str(args.file))
        else:
            verified = verifier.verify(data)
    except PacketRejected as exc:
        print(f"无效：{exc.user_message}（{exc.code}）")
        return EXIT_INVALID
    m = verified.manifest
    print(f"有效：数据包 {m.packet_id}（{m.kind}），案件 {m.case_id}")
    signer = verified.signer
    print(f"签名人：{signer.name}（{signer.operator_id}），{signer.agency_name} {m.sender_agency}")
    for warning in verified.warnings:
        print(f"警告：{warning}")
    return EXIT_VALID


def _show(args: argparse.Namespace) -> int:
    data = _read(args.file, "数据包")
    if data is None:
        return EXIT_USAGE
    try:
        entries = read_archive(data, ArchiveLimits())
        manifest = parse_manifest(entries[MANIFEST_NAME])
    except PacketRejected as exc:
        print(f"无法读取：{exc.user_message}（{exc.code}）")
        return EXIT_INVALID
    print("（以下内容未经签名校验；请用 lianjie packet verify 校验）")
    print(f"编号：{manifest.packet_id}\n类型：{manifest.kind}\n案件：{manifest.case_id}")
    print(f"发送单位：{manifest.sender_agency}  操作员：{manifest.operator.name}（{manifest.operator.id}）")
    print(f"接收单位：{'、'.join(manifest.recipients)}\n制作时间：{manifest.created_at.isoformat()}")
    if manifest.responds_to:
        print(f"答复：{'、'.join(str(r) for r in manifest.responds_to)}")
    if manifest.supersedes:
        print(f"更正：{manifest.supersedes}")
    for ref in manifest.attachments:
        print(f"附件：{ref.name}  {ref.media_type}  {ref.size} 字节  sha256={ref.sha256}")
    print("内容：")
    print(json.dumps(json.loads(entries[MANIFEST_NAME])["payload"], ensure_ascii=False, indent=2))
    return EXIT_VALID


def run(args: argparse.Namespace) -> int:
    """Run ``packet verify`` or ``packet show``; 0 means valid (verify) or shown (show)."""
    if args.action == "verify":
        return _verify(args)
    return _show(args)
