"""The machine secret that binds the key-slot file to this computer, and where it is kept.

Policy ("native"): only the operating system's own keyring — Windows Credential Manager, macOS Keychain, Secret
Service (or KWallet) on a Linux desktop. A machine without one is refused, and so is any backend that would keep
the secret in a plaintext file (keyrings.alt), directly or as a fallback behind keyring's chainer. The only way to
run without a native keyring is the explicit "development-file" policy, which names its file and logs a warning.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import secrets
from pathlib import Path
from typing import Any, Protocol

import keyring
import keyring.errors
from keyring.backend import KeyringBackend

from app.config import TerminalConfig
from app.crypto.keyslot_errors import KeyringUnavailable
from app.files import atomic_write_text

log = logging.getLogger(__name__)

MACHINE_SECRET_BYTES = 32
KEYRING_SERVICE = "lianjie-terminal"
DEVELOPMENT_FILE_FORMAT = "lianjie-development-keyring"

# Exact backend classes accepted under the "native" policy, by module and class name.
NATIVE_BACKENDS = frozenset(
    {
        ("keyring.backends.Windows", "WinVaultKeyring"),
        ("keyring.backends.macOS", "Keyring"),
        ("keyring.backends.SecretService", "Keyring"),
        ("keyring.backends.libsecret", "Keyring"),
        ("keyring.backends.kwallet", "DBusKeyring"),
    }
)
_NO_KEYRING_MODULES = frozenset({"keyring.backends.fail", "keyring.backends.null"})
_CHAINER = ("keyring.backends.chainer", "ChainerBackend")


class MachineSecretStore(Protocol):
    """Where the machine secret of a store lives, keyed by the store's id."""

    def load(self, store_id: str) -> bytes | None:
        """The secret of ``store_id`` on this machine, or None when this machine has none."""
        ...

    def save(self, store_id: str, secret: bytes) -> None:
        """Keep ``secret`` for ``store_id``, replacing any previous one."""
        ...


def new_machine_secret() -> bytes:
    """Fresh random bytes for binding a store to a machine."""
    return secrets.token_bytes(MACHINE_SECRET_BYTES)


def open_machine_secrets(config: TerminalConfig, backend: KeyringBackend | None = None) -> MachineSecretStore:
    """The machine-secret store that ``config.keyring_policy`` allows; refuses with ``KeyringUnavailable``."""
    if config.keyring_policy == "development-file":
        if config.development_keyring_file is None:
            raise KeyringUnavailable(
                "development-file policy without a file",
                user_message="配置了开发用密钥环，但未指定 development_keyring_file 文件路径。",
            )
        log.warning(
            "keyring policy 'development-file': the machine secret is kept in plaintext in %s; never use in production",
            config.development_keyring_file,
        )
        return DevelopmentFileSecretStore(config.development_keyring_file)
    chosen = backend if backend is not None else keyring.get_keyring()
    require_native_backend(chosen)
    return KeyringSecretStore(chosen)


def require_native_backend(backend: KeyringBackend) -> None:
    """Refuse anything but an exact native OS keyring backend (a chainer only if every member is native)."""
    module, name = _identity(backend)
    if (module, name) == _CHAINER:
        members: list[KeyringBackend] = list(getattr(backend, "backends", []))
        if not members:
            raise _no_keyring(f"{module}.{name} without members")
        for member in members:
            require_native_backend(member)
        return
    if module in _NO_KEYRING_MODULES:
        raise _no_keyring(f"{module}.{name}")
    if _is_plaintext(module, name):
        raise KeyringUnavailable(
            f"plaintext keyring backend refused: {module}.{name}",
            user_message="本机配置的密钥环会把密钥以明文形式保存在文件中，终端拒绝使用。",
            next_step="请卸载 keyrings.alt 等明文密钥环，改用系统密钥环；如有疑问请联系系统管理员。",
        )
    if (module, name) not in NATIVE_BACKENDS:
        raise KeyringUnavailable(
            f"keyring backend not on the native list: {module}.{name}",
            user_message="本机配置的密钥环不是受支持的系统密钥环，终端拒绝使用。",
        )


class KeyringSecretStore:
    """Machine secrets in a native OS keyring, one entry per store."""

    def __init__(self, backend: KeyringBackend) -> None:
        self._backend = backend

    def __repr__(self) -> str:
        module, name = _identity(self._backend)
        return f"KeyringSecretStore({module}.{name})"

    def load(self, store_id: str) -> bytes | None:
        try:
            value = self._backend.get_password(KEYRING_SERVICE, _entry_name(store_id))
        except keyring.errors.KeyringError as exc:
            raise _keyring_refused(exc) from exc
        return _decode_secret(value, "keyring entry") if value is not None else None

    def save(self, store_id: str, secret: bytes) -> None:
        try:
            self._backend.set_password(KEYRING_SERVICE, _entry_name(store_id), _encode_secret(secret))
        except keyring.errors.KeyringError as exc:
            raise _keyring_refused(exc) from exc


class DevelopmentFileSecretStore:
    """A plaintext JSON file (mode 0600, written atomically) standing in for the keyring on development machines."""

    def __init__(self, path: Path) -> None:
        self._path = Path(path)

    def __repr__(self) -> str:
        return f"DevelopmentFileSecretStore({self._path})"

    def load(self, store_id: str) -> bytes | None:
        value = self._entries().get(_entry_name(store_id))
        return _decode_secret(value, "development keyring entry") if isinstance(value, str) else None

    def save(self, store_id: str, secret: bytes) -> None:
        entries = self._entries()
        entries[_entry_name(store_id)] = _encode_secret(secret)
        document = {
            "format": DEVELOPMENT_FILE_FORMAT,
            "version": 1,
            "warning": "Plaintext development keyring. Never use on a production terminal.",
            "entries": dict(sorted(entries.items())),
        }
        atomic_write_text(self._path, json.dumps(document, indent=1, ensure_ascii=False) + "\n", mode=0o600)

    def _entries(self) -> dict[str, Any]:
        try:
            raw = self._path.read_bytes()
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise KeyringUnavailable(
                f"cannot read development keyring file: {exc.strerror}",
                user_message="无法读取开发用密钥环文件。",
                next_step="请检查该文件的权限。",
            ) from exc
        if os.name == "posix" and self._path.stat().st_mode & 0o077:
            log.warning("development keyring file %s is readable by other users", self._path)
        try:
            document = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise _development_file_damaged("not JSON") from exc
        if not isinstance(document, dict) or document.get("format") != DEVELOPMENT_FILE_FORMAT:
            raise _development_file_damaged("unknown format")
        entries = document.get("entries")
        if not isinstance(entries, dict):
            raise _development_file_damaged("no entries")
        return dict(entries)


def _identity(backend: object) -> tuple[str, str]:
    cls = type(backend)
    return cls.__module__, cls.__qualname__


def _is_plaintext(module: str, name: str) -> bool:
    return module == "keyrings.alt" or module.startswith("keyrings.alt.") or "plaintext" in f"{module}.{name}".lower()


def _entry_name(store_id: str) -> str:
    return f"machine-secret/{store_id}"


def _encode_secret(secret: bytes) -> str:
    if len(secret) != MACHINE_SECRET_BYTES:
        raise ValueError("a machine secret is 32 bytes")
    return base64.b64encode(secret).decode("ascii")


def _decode_secret(value: str, where: str) -> bytes | None:
    try:
        secret = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        secret = b""
    if len(secret) != MACHINE_SECRET_BYTES:
        # A damaged entry binds nothing: the store then reads as "from another machine" and recovery re-binds it.
        log.warning("%s holds no valid machine secret; treating it as absent", where)
        return None
    return secret


def _no_keyring(detail: str) -> KeyringUnavailable:
    return KeyringUnavailable(
        f"no native keyring: {detail}",
        user_message="本机没有可用的系统密钥环（例如没有桌面环境的 Linux 计算机），无法安全保存本机密钥。",
    )


def _keyring_refused(exc: Exception) -> KeyringUnavailable:
    return KeyringUnavailable(
        f"keyring refused access: {type(exc).__name__}",
        user_message="系统密钥环拒绝访问（可能处于锁定状态）。",
        next_step="请解锁系统密钥环（通常在登录桌面时自动解锁）后重试。",
    )


def _development_file_damaged(detail: str) -> KeyringUnavailable:
    return KeyringUnavailable(
        f"development keyring file damaged: {detail}",
        user_message="开发用密钥环文件已损坏。",
        next_step="请删除该文件后使用恢复密钥恢复终端。",
    )
