"""``lianjie identity verify``: would login accept this certificate, and if not, why? (For administrators.)

Exit 0 only when login would accept it (warnings, such as a stale CRL under the "warn" policy, are printed);
exit 1 with the reason otherwise.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import sys
from pathlib import Path

from cryptography import x509
from cryptography.x509.oid import NameOID

from app.config import load_config
from app.crypto.errors import IdentityError
from app.crypto.signers import Pkcs12Signer, read_pkcs12_certificate
from app.crypto.validation import BEIJING, CertificateValidator, load_certificates, load_crl
from app.domain.errors import AppError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``verify`` with a certificate (PEM/DER) or a PKCS#12 file, the trust anchors, CRLs and the agency."""
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    verify = sub.add_parser("verify", help="检查证书能否登录本平台终端")
    source = verify.add_mutually_exclusive_group(required=True)
    source.add_argument("--cert", type=Path, help="证书文件（PEM 或 DER；其后的证书视为中级证书）")
    source.add_argument("--p12", type=Path, help="PKCS#12 文件")
    verify.add_argument("--pin", help="PKCS#12 口令（不给出时，证书未加密则直接读取，否则提示输入）")
    verify.add_argument("--trust", type=Path, required=True, help="平台根证书（PEM，可含中级证书）")
    verify.add_argument("--crl", type=Path, action="append", default=[], help="证书吊销列表（可重复）")
    verify.add_argument("--agency", help="本终端单位的统一社会信用代码")
    verify.add_argument("--role", choices=("operator", "terminal", "server"), default="operator")
    verify.add_argument("--stale-crl-policy", choices=("warn", "refuse"), help="默认取终端配置")


def run(args: argparse.Namespace) -> int:
    """Print holder, agency, validity and the verdict; 0 = accepted."""
    config = load_config(Path(args.data_dir)) if getattr(args, "data_dir", None) else None
    try:
        certificate, chain = _read_subject(args)
    except AppError as exc:
        print(f"结论：拒绝 — {exc.for_operator()}")
        return 1
    _print_certificate(certificate)
    installed = load_certificates(args.trust.read_bytes())
    try:
        validator = CertificateValidator(
            [cert for cert in installed if cert.subject == cert.issuer],
            intermediates=[cert for cert in installed if cert.subject != cert.issuer],
            crls=[load_crl(path.read_bytes()) for path in args.crl],
            crl_grace=dt.timedelta(hours=config.crl_grace_hours if config else 24),
            stale_crl_policy=args.stale_crl_policy or (config.stale_crl_policy if config else "warn"),
        )
        verdict = validator.validate(certificate, role=args.role, chain=chain, agency_code=args.agency)
    except IdentityError as exc:
        print(f"结论：拒绝（{exc.reason}）— {exc.for_operator()}")
        return 1
    except AppError as exc:
        print(f"结论：拒绝 — {exc.for_operator()}")
        return 1
    for warning in verdict.warnings:
        print(f"警告：{warning}")
    print("结论：接受 — 该证书可以登录" + ("（见上方警告）" if verdict.warnings else "。"))
    return 0


def _read_subject(args: argparse.Namespace) -> tuple[x509.Certificate, list[x509.Certificate]]:
    if args.cert is not None:
        certificates = load_certificates(args.cert.read_bytes())
        return certificates[0], certificates[1:]
    if args.pin is None:
        certificate = read_pkcs12_certificate(args.p12)
        if certificate is not None:
            return certificate, []
    password = args.pin if args.pin is not None else getpass.getpass("PKCS#12 口令：")
    signer = Pkcs12Signer.from_file(args.p12, password)
    return signer.certificate, list(signer.chain)


def _print_certificate(certificate: x509.Certificate) -> None:
    def attribute(oid: x509.ObjectIdentifier) -> str:
        values = certificate.subject.get_attributes_for_oid(oid)
        return "、".join(str(v.value) for v in values) or "（无）"

    lines = [
        f"持有人：{attribute(NameOID.COMMON_NAME)}",
        f"操作员编号：{attribute(NameOID.SERIAL_NUMBER)}",
        f"单位：{attribute(NameOID.ORGANIZATION_NAME)}",
        f"统一社会信用代码：{attribute(NameOID.ORGANIZATIONAL_UNIT_NAME)}",
        f"签发者：{certificate.issuer.rfc4514_string()}",
        f"序列号：{certificate.serial_number:X}",
        f"有效期：{_local(certificate.not_valid_before_utc)} 至 {_local(certificate.not_valid_after_utc)}（北京时间）",
    ]
    sys.stdout.write("\n".join(lines) + "\n")


def _local(moment: dt.datetime) -> str:
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")
