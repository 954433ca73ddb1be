"""Keyring policy: native OS keyrings only, never a silent plaintext one; an explicit development file otherwise."""

from __future__ import annotations

import json
import logging
import stat
from pathlib import Path
from typing import Any, cast

import keyring
import keyring.errors
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail, null

from app.config import TerminalConfig
from app.crypto.keyslot_errors import KeyringUnavailable
from app.crypto.keyslots import initialize_terminal, unlock_with_operator
from app.crypto.machine_secret import (
    DevelopmentFileSecretStore,
    KeyringSecretStore,
    new_machine_secret,
    open_machine_secrets,
    require_native_backend,
)
from tests.crypto.keyslot_support import make_operator, terminal_on_machine


class _MemoryBackend:
    """Not a KeyringBackend subclass on purpose: subclasses register themselves with keyring's backend discovery."""

    def __init__(self) -> None:
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password


def stand_in(module: str, name: str, **attributes: Any) -> KeyringBackend:
    """An in-memory backend whose class claims ``module.name`` (no real OS keyring exists on this machine)."""
    cls = type(name, (_MemoryBackend,), {"__module__": module, "__qualname__": name, **attributes})
    return cast(KeyringBackend, cls())


def secret_service() -> KeyringBackend:
    return stand_in("keyring.backends.SecretService", "Keyring")


def plaintext_keyring() -> KeyringBackend:
    try:
        from keyrings.alt.file import PlaintextKeyring  # type: ignore[import-not-found]
    except ImportError:
        return stand_in("keyrings.alt.file", "PlaintextKeyring")
    return cast(KeyringBackend, PlaintextKeyring())


def test_this_headless_machine_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    if not isinstance(keyring.get_keyring(), fail.Keyring):
        pytest.skip("this machine has a keyring backend")
    config = TerminalConfig(data_dir=tmp_path)

    with pytest.raises(KeyringUnavailable) as refused:
        open_machine_secrets(config)

    assert "没有可用的系统密钥环" in refused.value.user_message
    assert refused.value.next_step


def test_initialising_without_a_keyring_writes_nothing(tmp_path: Path) -> None:
    if not isinstance(keyring.get_keyring(), fail.Keyring):
        pytest.skip("this machine has a keyring backend")
    config = TerminalConfig(data_dir=tmp_path)

    with pytest.raises(KeyringUnavailable):
        initialize_terminal(config, make_operator("ec").certificate)

    assert not config.key_slots_path.exists()


@pytest.mark.parametrize("backend", [fail.Keyring(), null.Keyring()], ids=["fail", "null"])
def test_no_keyring_backends_are_refused(backend: KeyringBackend) -> None:
    with pytest.raises(KeyringUnavailable):
        require_native_backend(backend)


def test_plaintext_keyring_is_refused_under_native_policy(tmp_path: Path) -> None:
    with pytest.raises(KeyringUnavailable) as refused:
        open_machine_secrets(TerminalConfig(data_dir=tmp_path), plaintext_keyring())
    assert "明文" in refused.value.user_message


def test_chainer_that_could_fall_back_to_plaintext_is_refused() -> None:
    chainer = stand_in("keyring.backends.chainer", "ChainerBackend", backends=[secret_service(), plaintext_keyring()])

    with pytest.raises(KeyringUnavailable) as refused:
        require_native_backend(chainer)
    assert "明文" in refused.value.user_message


def test_empty_chainer_is_refused() -> None:
    with pytest.raises(KeyringUnavailable):
        require_native_backend(stand_in("keyring.backends.chainer", "ChainerBackend", backends=[]))


def test_unknown_backend_is_refused() -> None:
    with pytest.raises(KeyringUnavailable):
        require_native_backend(stand_in("someones.keyring", "Keyring"))


@pytest.mark.parametrize(
    ("module", "name"),
    [
        ("keyring.backends.SecretService", "Keyring"),
        ("keyring.backends.Windows", "WinVaultKeyring"),
        ("keyring.backends.macOS", "Keyring"),
        ("keyring.backends.libsecret", "Keyring"),
    ],
)
def test_native_backends_are_accepted(module: str, name: str) -> None:
    require_native_backend(stand_in(module, name))
    require_native_backend(stand_in("keyring.backends.chainer", "ChainerBackend", backends=[stand_in(module, name)]))


def test_terminal_runs_on_a_native_keyring(tmp_path: Path) -> None:
    config = TerminalConfig(data_dir=tmp_path)
    backend = secret_service()
    store = open_machine_secrets(config, backend)
    operator = make_operator("ec")

    master_key = initialize_terminal(config, operator.certificate, machine_secrets=store).master_key

    assert unlock_with_operator(config, operator, machine_secrets=store) == master_key
    assert [service for service, _ in cast(_MemoryBackend, backend).entries] == ["lianjie-terminal"]


def test_locked_keyring_is_reported(tmp_path: Path) -> None:
    def locked(self: object, service: str, username: str) -> str | None:
        raise keyring.errors.KeyringLocked("locked")

    store = KeyringSecretStore(stand_in("keyring.backends.SecretService", "Keyring", get_password=locked))

    with pytest.raises(KeyringUnavailable) as refused:
        store.load("store")
    assert "锁定" in refused.value.user_message


def test_development_file_is_explicit_private_and_warned_about(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = terminal_on_machine(tmp_path, "dev")
    secret = new_machine_secret()

    with caplog.at_level(logging.WARNING):
        store = open_machine_secrets(config)
    store.save("store-1", secret)
    store.save("store-2", new_machine_secret())

    assert config.development_keyring_file is not None
    assert stat.S_IMODE(config.development_keyring_file.stat().st_mode) == 0o600
    assert "development-file" in caplog.text and "plaintext" in caplog.text
    assert secret.hex() not in caplog.text
    assert DevelopmentFileSecretStore(config.development_keyring_file).load("store-1") == secret
    assert store.load("unknown-store") is None


def test_damaged_development_file_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "keyring.json"
    path.write_text("{not json", encoding="utf-8")

    with pytest.raises(KeyringUnavailable) as refused:
        DevelopmentFileSecretStore(path).load("store")
    assert "开发用密钥环文件已损坏" in refused.value.user_message


def test_damaged_entry_reads_as_absent(tmp_path: Path) -> None:
    path = tmp_path / "keyring.json"
    path.write_text(
        json.dumps({"format": "lianjie-development-keyring", "version": 1, "entries": {"machine-secret/s": "AAAA"}}),
        encoding="utf-8",
    )

    assert DevelopmentFileSecretStore(path).load("s") is None
