"""Pkcs12Signer and Pkcs11Signer: signatures, key-slot unwraps and PIN handling against real files and SoftHSM2."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from app.crypto import keyslots
from app.crypto.errors import KeyFileUnreadable, WrongPin
from app.crypto.keys import KeyUnwrapper, Signer
from app.crypto.pkcs11_token import PinRequest, Pkcs11Signer, TokenLibrary
from app.crypto.pki.ca import CertificateAuthority
from app.crypto.pki.material import write_pkcs12
from app.crypto.signers import Pkcs12Signer, oaep_sha256_decode
from tests.crypto.conftest import USER_PIN, operator_holder, token_certificate
from tests.crypto.keyslot_support import terminal_on_machine


def _verify(certificate_key: object, signature: bytes, data: bytes) -> None:
    if isinstance(certificate_key, ec.EllipticCurvePublicKey):
        certificate_key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
    else:
        assert isinstance(certificate_key, rsa.RSAPublicKey)
        certificate_key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())


@pytest.fixture(scope="module")
def ec_token(ca: CertificateAuthority, token_library: TokenLibrary) -> Pkcs11Signer:
    token_certificate(ca, token_library, "op-ec")
    return token_library.login("op-ec", lambda request: USER_PIN)


@pytest.fixture(scope="module")
def rsa_token(ca: CertificateAuthority, token_library: TokenLibrary) -> Pkcs11Signer:
    token_certificate(ca, token_library, "op-rsa", algorithm="rsa2048")
    return token_library.login("op-rsa", lambda request: USER_PIN)


def test_pkcs12_signer_signs_and_unwraps(tmp_path: Path, ca: CertificateAuthority, rsa_key: rsa.RSAPrivateKey) -> None:
    certificate = ca.issue("operator", operator_holder(), rsa_key.public_key(), days=30)
    write_pkcs12(tmp_path / "op.p12", rsa_key, certificate, [ca.root], b"p12-pass", "张三")
    signer = Pkcs12Signer.from_file(tmp_path / "op.p12", "p12-pass")
    assert isinstance(signer, Signer) and isinstance(signer, KeyUnwrapper)
    assert signer.certificate == certificate and list(signer.chain) == []
    _verify(certificate.public_key(), signer.sign(b"manifest"), b"manifest")
    oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
    assert signer.decrypt_rsa_oaep_sha256(rsa_key.public_key().encrypt(b"k" * 32, oaep)) == b"k" * 32
    assert "p12-pass" not in repr(signer)


def test_pkcs12_wrong_password_is_wrong_pin_and_garbage_is_unreadable(tmp_path: Path, ca: CertificateAuthority) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = ca.issue("operator", operator_holder(), key.public_key(), days=30)
    write_pkcs12(tmp_path / "op.p12", key, certificate, [], b"right", "张三")
    with pytest.raises(WrongPin) as caught:
        Pkcs12Signer.from_file(tmp_path / "op.p12", "wrong")
    assert "wrong" not in str(caught.value) and caught.value.tries_left is None
    (tmp_path / "junk.p12").write_bytes(b"not a pfx")
    with pytest.raises(KeyFileUnreadable):
        Pkcs12Signer.from_file(tmp_path / "junk.p12", "right")


def test_token_ec_signature_is_der_and_verifies(ec_token: Pkcs11Signer) -> None:
    assert isinstance(ec_token, Signer) and isinstance(ec_token, KeyUnwrapper)
    signature = ec_token.sign(b"packet manifest")
    assert signature[0] == 0x30  # DER SEQUENCE, not raw r||s
    _verify(ec_token.certificate.public_key(), signature, b"packet manifest")


def test_token_rsa_pkcs1_and_pss_signatures_verify(rsa_token: Pkcs11Signer) -> None:
    public = rsa_token.certificate.public_key()
    assert isinstance(public, rsa.RSAPublicKey)
    _verify(public, rsa_token.sign(b"data"), b"data")
    pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
    public.verify(rsa_token.sign_rsa_pss(b"data"), b"data", pss, hashes.SHA256())


def test_token_rsa_oaep_sha256_decrypt_on_token(rsa_token: Pkcs11Signer) -> None:
    # SoftHSM 2.6 refuses SHA-256 OAEP parameters: the raw RSA step runs on the token, unpadding in software.
    public = rsa_token.certificate.public_key()
    assert isinstance(public, rsa.RSAPublicKey)
    oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
    secret = bytes(range(32))
    assert rsa_token.decrypt_rsa_oaep_sha256(public.encrypt(secret, oaep)) == secret
    with pytest.raises(ValueError):
        rsa_token.decrypt_rsa_oaep_sha256(public.encrypt(secret, padding.PKCS1v15()))


def test_oaep_decode_rejects_tampered_padding() -> None:
    key = ec.generate_private_key(ec.SECP256R1())  # unused: a fixed 256-byte block is enough for the decoder
    del key
    with pytest.raises(ValueError):
        oaep_sha256_decode(b"\x01" + b"\x00" * 255, 256)


def test_token_ecdh_matches_software(ec_token: Pkcs11Signer) -> None:
    peer = ec.generate_private_key(ec.SECP256R1())
    public = ec_token.certificate.public_key()
    assert isinstance(public, ec.EllipticCurvePublicKey)
    assert ec_token.ecdh_p256(peer.public_key()) == peer.exchange(ec.ECDH(), public)


def test_token_calls_from_many_threads_all_run_on_the_token_thread(ec_token: Pkcs11Signer) -> None:
    seen: set[str] = set()
    original = ec_token._library._run

    def spy(call):  # type: ignore[no-untyped-def]
        def wrapped():  # type: ignore[no-untyped-def]
            seen.add(threading.current_thread().name)
            return call()

        return original(wrapped)

    ec_token._library._run = spy  # type: ignore[method-assign]
    try:
        with ThreadPoolExecutor(max_workers=4) as pool:
            signatures = list(pool.map(ec_token.sign, [b"a", b"b", b"c", b"d"] * 3))
    finally:
        del ec_token._library._run
    assert len(signatures) == 12
    assert len(seen) == 1 and next(iter(seen)).startswith("pkcs11-token")


@pytest.mark.parametrize("token_fixture", ["ec_token", "rsa_token"])
def test_token_unlocks_key_slot(tmp_path: Path, token_fixture: str, request: pytest.FixtureRequest) -> None:
    signer: Pkcs11Signer = request.getfixturevalue(token_fixture)
    config = terminal_on_machine(tmp_path, "pc1")
    created = keyslots.initialize_terminal(config, signer.certificate)
    assert keyslots.unlock_with_operator(config, signer) == created.master_key


def test_pin_prompt_shows_token_and_pin_is_not_kept(ca: CertificateAuthority, token_library: TokenLibrary) -> None:
    requests: list[PinRequest] = []

    def prompter(request: PinRequest) -> str:
        requests.append(request)
        return USER_PIN

    token_certificate(ca, token_library, "op-login")
    signer = token_library.login("op-login", prompter)
    try:
        assert requests == [PinRequest("op-login")]
        assert USER_PIN not in repr(signer) and USER_PIN not in str(vars(signer))
    finally:
        signer.close()
