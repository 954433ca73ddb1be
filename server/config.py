"""The platform's configuration: one TOML file; relative paths are relative to the file's folder.

```toml
[platform]
name = "兴庆区两法衔接平台"
data_dir = "data"              # database (SQLite default), published files, quarantine
database_url = ""              # e.g. postgresql+psycopg://user@host/db; empty = SQLite in data_dir
host = "127.0.0.1"
port = 8443
max_packet_bytes = 268435456

[tls]                          # the platform's TLS server certificate (PEM, may carry its chain) and key
certificate = "server.pem"
key = "server.key"

[trust]
roots = "root.pem"             # the platform root(s): the only anchors for terminals and signers
intermediates = ""             # optional PEM of intermediate CAs
office_code = "…"              # 统一社会信用代码 of the leading group office (signs publications)

[receipts]                     # the certificate (operator profile, office agency) that signs receipts
certificate = "receipt.pem"
key = "receipt.key"
key_password_env = ""          # name of an environment variable holding the key's passphrase, if encrypted
```
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.domain.errors import AppError


class PlatformConfigInvalid(AppError):
    user_message = "平台配置文件有误。"
    next_step = "请检查配置文件后重新启动平台。"


@dataclass(frozen=True)
class PlatformConfig:
    """Everything the platform needs to start."""

    name: str
    data_dir: Path
    database_url: str
    host: str
    port: int
    tls_certificate: Path
    tls_key: Path
    roots: Path
    intermediates: Path | None
    office_code: str
    receipt_certificate: Path
    receipt_key: Path
    receipt_key_password_env: str = ""
    max_packet_bytes: int = 256 * 1024 * 1024

    @property
    def published_dir(self) -> Path:
        return self.data_dir / "published"

    @property
    def quarantine_dir(self) -> Path:
        return self.data_dir / "quarantine"

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'platform.db'}"

    def receipt_key_password(self) -> bytes | None:
        """The receipt key's passphrase from the environment, if the configuration names a variable."""
        if not self.receipt_key_password_env:
            return None
        value = os.environ.get(self.receipt_key_password_env)
        if value is None:
            raise PlatformConfigInvalid(
                "receipt key passphrase variable unset",
                user_message=f"环境变量 {self.receipt_key_password_env} 未设置（回执签名密钥口令）。",
            )
        return value.encode("utf-8")


def _section(raw: dict[str, Any], name: str) -> dict[str, Any]:
    value = raw.get(name, {})
    if not isinstance(value, dict):
        raise PlatformConfigInvalid(f"[{name}] is not a table", user_message=f"配置节 [{name}] 格式错误。")
    return value


def _required(section: dict[str, Any], key: str, where: str) -> Any:
    if key not in section or section[key] in ("", None):
        raise PlatformConfigInvalid(f"{where}.{key} missing", user_message=f"配置项 {where}.{key} 未填写。")
    return section[key]


def load_platform_config(path: Path) -> PlatformConfig:
    """Read and check the platform configuration file."""
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise PlatformConfigInvalid(f"{path}: {exc}", user_message=f"无法读取平台配置文件：{exc}") from None
    base = Path(path).resolve().parent
    platform, tls, trust, receipts = (_section(raw, n) for n in ("platform", "tls", "trust", "receipts"))

    def file(section: dict[str, Any], key: str, where: str) -> Path:
        return base / str(_required(section, key, where))

    intermediates = trust.get("intermediates") or ""
    return PlatformConfig(
        name=str(platform.get("name", "两法衔接信息共享平台")),
        data_dir=base / str(platform.get("data_dir", "data")),
        database_url=str(platform.get("database_url", "")),
        host=str(platform.get("host", "127.0.0.1")),
        port=int(platform.get("port", 8443)),
        max_packet_bytes=int(platform.get("max_packet_bytes", 256 * 1024 * 1024)),
        tls_certificate=file(tls, "certificate", "tls"),
        tls_key=file(tls, "key", "tls"),
        roots=file(trust, "roots", "trust"),
        intermediates=base / intermediates if intermediates else None,
        office_code=str(_required(trust, "office_code", "trust")),
        receipt_certificate=file(receipts, "certificate", "receipts"),
        receipt_key=file(receipts, "key", "receipts"),
        receipt_key_password_env=str(receipts.get("key_password_env", "")),
    )
