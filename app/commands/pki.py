"""``lianjie pki``: stand up and run the platform's PKI (root CA, optional intermediate, certificates, CRL).

Secrets never come from the command line (visible to every process): a file (``--passphrase-file``), an environment
variable (LIANJIE_CA_PASSPHRASE, LIANJIE_P12_PASSWORD, LIANJIE_TOKEN_PIN) for scripts, or an interactive prompt.
"""

from __future__ import annotations

import argparse
import getpass
import ipaddress
import os
import secrets
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from app.crypto.errors import CaError
from app.crypto.pkcs11_token import DEFAULT_MODULE_PATHS, TokenLibrary
from app.crypto.pki.ca import CRL_REASONS, CertificateAuthority
from app.crypto.pki.material import KEY_ALGORITHMS, certificate_pem, generate_private_key, write_pkcs12
from app.crypto.profile import CertificateRole, Holder
from app.files import atomic_write_bytes


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Sub-commands: init, issue-operator, issue-terminal, issue-server, revoke, crl."""
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    init = sub.add_parser("init", help="创建根证书机构（可选中级证书机构）")
    _ca_options(init)
    init.add_argument("--name", required=True, help="根证书名称（CN）")
    init.add_argument("--organization", required=True, help="机构名称（O）")
    init.add_argument("--intermediate", help="同时创建中级证书机构，并由其签发终端实体证书")
    init.add_argument("--algorithm", choices=KEY_ALGORITHMS, default="p256")

    for name, role_help in (("issue-operator", "签发操作员证书"), ("issue-terminal", "签发终端证书（clientAuth）")):
        issue = sub.add_parser(name, help=role_help)
        _ca_options(issue)
        _holder_options(issue, operator=name == "issue-operator")
        issue.add_argument("--algorithm", choices=KEY_ALGORITHMS, default="p256")
        issue.add_argument("--days", type=int, default=730)
        issue.add_argument("--p12", type=Path, help="输出 PKCS#12 文件")
        issue.add_argument("--p12-password-file", type=Path)
        issue.add_argument("--cert-out", type=Path, help="另存证书（PEM）")
        if name == "issue-operator":
            issue.add_argument("--token", help="在此标签的 PKCS#11 介质上生成密钥并写回证书")
            issue.add_argument("--module", help="PKCS#11 模块路径")
            issue.add_argument("--pin-file", type=Path)

    server = sub.add_parser("issue-server", help="签发平台 TLS 服务器证书")
    _ca_options(server)
    _holder_options(server, operator=False)
    server.add_argument("--san", action="append", required=True, help="域名或 IP 地址（可重复）")
    server.add_argument("--algorithm", choices=KEY_ALGORITHMS, default="p256")
    server.add_argument("--days", type=int, default=397)
    server.add_argument("--cert-out", type=Path, required=True)
    server.add_argument("--key-out", type=Path, required=True, help="私钥（PEM，未加密，权限 0600）")

    revoke = sub.add_parser("revoke", help="吊销证书")
    _ca_options(revoke)
    revoke.add_argument("--serial", required=True, help="证书序列号（十六进制）")
    revoke.add_argument("--reason", choices=sorted(CRL_REASONS), default="unspecified")

    crl = sub.add_parser("crl", help="签发证书吊销列表")
    _ca_options(crl)
    crl.add_argument("--out", type=Path, required=True)
    crl.add_argument("--hours", type=int, default=168, help="距下次更新（nextUpdate）的小时数")


def run(args: argparse.Namespace) -> int:
    """Carry out one ``lianjie pki`` action."""
    directory: Path = args.ca_dir
    passphrase = _secret(args.passphrase_file, "LIANJIE_CA_PASSPHRASE", "证书机构口令：").encode("utf-8")
    if args.action == "init":
        ca = CertificateAuthority.create(
            directory,
            root_name=args.name,
            organization=args.organization,
            passphrase=passphrase,
            algorithm=args.algorithm,
            intermediate_name=args.intermediate,
        )
        print(f"已创建证书机构：{ca.root.subject.rfc4514_string()}，目录 {directory}")
        return 0
    ca = CertificateAuthority.open(directory, passphrase)
    if args.action in ("issue-operator", "issue-terminal"):
        return _issue_end_entity(ca, args)
    if args.action == "issue-server":
        key = generate_private_key(args.algorithm)
        sans = [_general_name(value) for value in args.san]
        certificate = ca.issue("server", _holder(args), key.public_key(), days=args.days, sans=sans)
        atomic_write_bytes(args.cert_out, certificate_pem([certificate, *ca.intermediates]), mode=0o644)
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        atomic_write_bytes(args.key_out, pem, mode=0o600)
        print(f"已签发服务器证书，序列号 {certificate.serial_number:X}")
        return 0
    if args.action == "revoke":
        ca.revoke(args.serial, reason=args.reason)
        print(f"已吊销序列号 {args.serial.upper()}；请执行 lianjie pki crl 发布新的吊销列表。")
        return 0
    crl = ca.crl(next_update_hours=args.hours)
    atomic_write_bytes(args.out, crl.public_bytes(serialization.Encoding.PEM), mode=0o644)
    print(f"已签发吊销列表，共 {len(crl)} 条，下次更新 {crl.next_update_utc}")
    return 0


def _issue_end_entity(ca: CertificateAuthority, args: argparse.Namespace) -> int:
    role: CertificateRole = "operator" if args.action == "issue-operator" else "terminal"
    holder = _holder(args)
    token = getattr(args, "token", None)
    if token:
        module = args.module or next((p for p in DEFAULT_MODULE_PATHS if Path(p).exists()), DEFAULT_MODULE_PATHS[0])
        pin = _secret(args.pin_file, "LIANJIE_TOKEN_PIN", f"介质 {token} 的 PIN：")
        library = TokenLibrary(module)
        try:
            key_id = secrets.token_bytes(8)
            public = library.generate_key(token, pin, args.algorithm, key_id, holder.common_name)
            certificate = ca.issue("operator", holder, public, days=args.days)
            library.store_certificate(token, pin, certificate, key_id, holder.common_name)
        finally:
            library.close()
        where = f"介质 {token}"
    else:
        if args.p12 is None:
            raise CaError("no output", user_message="请指定 --p12 输出文件，或以 --token 指定 PKCS#11 介质。")
        key = generate_private_key(args.algorithm)
        certificate = ca.issue(role, holder, key.public_key(), days=args.days)
        password = _secret(args.p12_password_file, "LIANJIE_P12_PASSWORD", "PKCS#12 文件口令：")
        write_pkcs12(args.p12, key, certificate, ca.intermediates, password.encode("utf-8"), holder.common_name)
        where = str(args.p12)
    if args.cert_out is not None:
        atomic_write_bytes(args.cert_out, certificate_pem([certificate]), mode=0o644)
    print(f"已签发{'操作员' if role == 'operator' else '终端'}证书（{where}），序列号 {certificate.serial_number:X}")
    return 0


def _ca_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--ca-dir", type=Path, required=True, help="证书机构目录")
    parser.add_argument(
        "--passphrase-file", type=Path, help="证书机构口令文件（否则读 LIANJIE_CA_PASSPHRASE 或提示输入）"
    )


def _holder_options(parser: argparse.ArgumentParser, *, operator: bool) -> None:
    parser.add_argument("--name", required=True, help="姓名或机器名（CN）")
    parser.add_argument("--agency-name", required=True, help="单位名称（O）")
    parser.add_argument("--agency-code", required=True, help="单位统一社会信用代码（OU）")
    parser.add_argument("--operator-id", required=operator, help="操作员编号（serialNumber）")


def _holder(args: argparse.Namespace) -> Holder:
    return Holder(args.name, args.agency_name, args.agency_code, getattr(args, "operator_id", None))


def _general_name(value: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(value))
    except ValueError:
        return x509.DNSName(value)


def _secret(path: Path | None, variable: str, prompt: str) -> str:
    if path is not None:
        return path.read_text(encoding="utf-8").rstrip("\r\n")
    value = os.environ.get(variable)
    if value:
        return value
    return getpass.getpass(prompt)
