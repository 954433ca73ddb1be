"""PIN outcomes on a real SoftHSM2 token: wrong PIN (with the token's own warning flags) and a locked PIN.

SoftHSM 2.6.1 never locks a user PIN by itself: its Token::loginUser sets CKF_USER_PIN_COUNT_LOW after a failure
and nothing else (no retry counter, no CKF_USER_PIN_LOCKED, no CKR_PIN_LOCKED). It does keep the token flags in
its token.object file and reports them in C_GetTokenInfo. So the locked state a real USB key enters after its
retries are exhausted is produced here by setting CKF_USER_PIN_LOCKED in that file (the token is real; only the
counter that would have set the flag is missing), and the terminal must refuse without presenting the PIN.
"""

from __future__ import annotations

import struct

import pytest

from app.crypto.errors import PinLocked, WrongPin
from app.crypto.pkcs11_token import PinRequest, TokenLibrary, translate_token_error
from app.crypto.pki.ca import CertificateAuthority
from tests.crypto.conftest import USER_PIN, SoftHsm, token_certificate

CKA_OS_TOKENFLAGS = 0x8000534B  # SoftHSM's vendor attribute holding CK_TOKEN_INFO.flags
ATTRIBUTE_KIND_ULONG = 2
CKF_USER_PIN_LOCKED = 0x00040000


def set_user_pin_locked(softhsm: SoftHsm, label: str) -> None:
    path = softhsm.token_dirs[label] / "token.object"
    data = bytearray(path.read_bytes())
    offset = data.index(struct.pack(">QQ", CKA_OS_TOKENFLAGS, ATTRIBUTE_KIND_ULONG)) + 16
    (flags,) = struct.unpack_from(">Q", data, offset)
    struct.pack_into(">Q", data, offset, flags | CKF_USER_PIN_LOCKED)
    (generation,) = struct.unpack_from(">Q", data, 0)
    struct.pack_into(">Q", data, 0, generation + 1)  # SoftHSM re-reads an object file whose generation moved
    path.write_bytes(bytes(data))


def test_wrong_pin_is_refused_and_the_token_warning_reaches_the_next_prompt(
    ca: CertificateAuthority, token_library: TokenLibrary
) -> None:
    token_certificate(ca, token_library, "op-wrong-pin")
    with pytest.raises(WrongPin) as first:
        token_library.login("op-wrong-pin", lambda request: "000000")
    # SoftHSM reports CKF_USER_PIN_COUNT_LOW after a failed login: the message says tries are running out.
    assert first.value.count_low and "剩余尝试次数" in first.value.user_message
    assert "000000" not in str(first.value)
    requests: list[PinRequest] = []

    def prompter(request: PinRequest) -> str:
        requests.append(request)
        return USER_PIN

    token_library.login("op-wrong-pin", prompter).close()
    assert requests == [PinRequest("op-wrong-pin", count_low=True, final_try=False)]


def test_locked_pin_is_refused_without_presenting_the_pin(
    softhsm: SoftHsm, ca: CertificateAuthority, token_library: TokenLibrary
) -> None:
    token_certificate(ca, token_library, "op-locked")
    set_user_pin_locked(softhsm, "op-locked")

    def prompter(request: PinRequest) -> str:
        raise AssertionError("a locked token must not be offered the PIN")

    with pytest.raises(PinLocked) as caught:
        token_library.login("op-locked", prompter)
    assert "锁定" in caught.value.user_message


def test_ckr_pin_locked_from_c_login_maps_to_pin_locked() -> None:
    # The other way a token says it (CKR_PIN_LOCKED from C_Login); SoftHSM 2.6.1 cannot produce it, see above.
    import pkcs11

    assert isinstance(translate_token_error(pkcs11.PinLocked(), "t"), PinLocked)
