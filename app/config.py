"""The terminal's configuration: a TOML file beside the store, with defaults a deployment may override."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal

from app.domain.errors import AppError

KeyringPolicy = Literal["native", "development-file"]
StaleCrlPolicy = Literal["warn", "refuse"]

CONFIG_FILE_NAME = "config.toml"


class ConfigInvalid(AppError):
    user_message = "终端配置文件有误。"
    next_step = "请联系系统管理员检查配置文件。"


@dataclass(frozen=True)
class TerminalConfig:
    """Everything a deployment may set. ``data_dir`` holds the store, key slots, blobs and logs."""

    data_dir: Path
    # SQLCipher's cipher_memory_security: off by default as in SQLCipher; roughly doubles write cost.
    cipher_memory_security: bool = False
    # "native": the OS keyring only (Windows Credential Manager, Secret Service, macOS Keychain).
    # "development-file": an explicitly named plaintext file, for development machines and CI only.
    keyring_policy: KeyringPolicy = "native"
    development_keyring_file: Path | None = None
    idle_lock_minutes: int = 10
    platform_url: str = ""
    # A CRL older than its nextUpdate plus this grace is stale; what happens then is stale_crl_policy.
    crl_grace_hours: int = 24
    stale_crl_policy: StaleCrlPolicy = "warn"
    busy_timeout_ms: int = 5000
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def store_path(self) -> Path:
        return self.data_dir / "store.db"

    @property
    def key_slots_path(self) -> Path:
        return self.data_dir / "keyslots.json"

    @property
    def blobs_dir(self) -> Path:
        return self.data_dir / "blobs"

    @property
    def logs_dir(self) -> Path:
        return self.data_dir / "logs"


def default_data_dir() -> Path:
    """Where a terminal keeps its data unless told otherwise."""
    env = os.environ.get("LIANJIE_DATA_DIR")
    if env:
        return Path(env)
    if os.name == "nt":
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
        return base / "Lianjie"
    base = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share"))
    return base / "lianjie"


_PATH_FIELDS = {"data_dir", "development_keyring_file"}


def load_config(data_dir: Path | None = None) -> TerminalConfig:
    """Read ``config.toml`` in the data folder; a missing file means all defaults."""
    directory = Path(data_dir) if data_dir is not None else default_data_dir()
    config = TerminalConfig(data_dir=directory)
    path = directory / CONFIG_FILE_NAME
    if not path.exists():
        return config
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigInvalid(f"{path}: {exc}", user_message=f"终端配置文件格式错误：{exc}。") from exc
    known = {f.name for f in fields(TerminalConfig)} - {"data_dir", "extra"}
    values: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for key, value in raw.items():
        if key in known:
            values[key] = Path(value) if key in _PATH_FIELDS and value is not None else value
        else:
            extra[key] = value
    return validate_config(replace(config, **values, extra=extra))


def validate_config(config: TerminalConfig) -> TerminalConfig:
    """Refuse values that would make the terminal unsafe or unusable."""
    if config.keyring_policy not in ("native", "development-file"):
        raise ConfigInvalid(
            f"keyring_policy={config.keyring_policy!r}",
            user_message="配置项 keyring_policy 只能是 native 或 development-file。",
        )
    if config.keyring_policy == "development-file" and config.development_keyring_file is None:
        raise ConfigInvalid(
            "development-file keyring without a file",
            user_message="配置了开发用密钥环，但未指定 development_keyring_file 文件路径。",
        )
    if not 1 <= config.idle_lock_minutes <= 240:
        raise ConfigInvalid(
            f"idle_lock_minutes={config.idle_lock_minutes}",
            user_message="空闲锁定时间须在 1 至 240 分钟之间。",
        )
    if config.stale_crl_policy not in ("warn", "refuse"):
        raise ConfigInvalid(
            f"stale_crl_policy={config.stale_crl_policy!r}",
            user_message="配置项 stale_crl_policy 只能是 warn 或 refuse。",
        )
    return config
