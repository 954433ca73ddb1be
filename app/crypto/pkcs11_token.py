"""Operator keys on PKCS#11 tokens (USB keys; SoftHSM2 in the tests), through python-pkcs11.

Every call into the PKCS#11 module runs on one dedicated thread owned by ``TokenLibrary`` (modules are not
reliably thread-safe, and sessions must not cross threads). Tokens are chosen by label. PINs come from an injected
prompter at login and are dropped as soon as C_Login returns.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import pkcs11
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from pkcs11 import KDF, MGF, Attribute, KeyType, Mechanism, MechanismFlag, ObjectClass
from pkcs11.constants import TokenFlag
from pkcs11.util.ec import encode_ec_public_key, encode_ecdsa_signature, encode_named_curve_parameters
from pkcs11.util.rsa import encode_rsa_public_key

from app.crypto.errors import PinLocked, TokenFailure, TokenNotFound, TokenRemoved, WrongPin
from app.crypto.pki.material import KeyAlgorithm, PublicKey
from app.crypto.signers import SHA256_DIGEST_INFO_PREFIX, oaep_sha256_decode

DEFAULT_MODULE_PATHS = ("/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so")
P256_OID = "1.2.840.10045.3.1.7"

T = TypeVar("T")


@dataclass(frozen=True)
class PinRequest:
    """What the PIN dialog shows: which token, and whether the token warns that tries are running out."""

    token_label: str
    count_low: bool = False
    final_try: bool = False


# Returns the PIN, or None when the operator cancels. Called on the caller's thread, never on the token thread.
PinPrompter = Callable[[PinRequest], str | None]


@dataclass(frozen=True)
class TokenCertificate:
    """A certificate found on a token, with the CKA_ID that ties it to its private key."""

    token_label: str
    key_id: bytes
    certificate: x509.Certificate


class TokenLibrary:
    """One loaded PKCS#11 module and the single thread that talks to it."""

    def __init__(self, module_path: str) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pkcs11-token")
        self._module_path = module_path
        self._lib: Any = self._run(lambda: pkcs11.lib(module_path))
        # PKCS#11 login state is per token, not per session: one live signer per token, so that every login
        # really presents the PIN to C_Login (never "already logged in").
        self._signers: dict[str, Pkcs11Signer] = {}

    def __repr__(self) -> str:
        return f"TokenLibrary({self._module_path!r})"

    def close(self) -> None:
        """Stop the token thread (sessions already opened are closed by their signers)."""
        self._executor.shutdown(wait=True)

    def _run(self, call: Callable[[], T]) -> T:
        return self._executor.submit(call).result()

    def refresh(self) -> None:
        """Re-read the slot list (C_Finalize + C_Initialize): SoftHSM, for one, sees new tokens only then.

        Invalidates open sessions; call only while nobody is logged in (the login screen).
        """
        self._run(self._lib.reinitialize)

    def token_labels(self) -> list[str]:
        """Labels of the tokens present now."""
        return self._run(lambda: [token.label for token in self._present_tokens()])

    def is_present(self, label: str) -> bool:
        """Whether a token with ``label`` is present (the session lock polls this)."""
        return self._run(lambda: any(token.label == label for token in self._present_tokens()))

    def certificates(self) -> list[TokenCertificate]:
        """Every X.509 certificate on every present token (public objects: no PIN needed)."""

        def collect() -> list[TokenCertificate]:
            found: list[TokenCertificate] = []
            for token in self._present_tokens():
                if not token.flags & TokenFlag.TOKEN_INITIALIZED:
                    continue  # a blank token (or SoftHSM's free slot) holds nothing to log in with
                try:
                    with token.open() as session:
                        for obj in session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE}):
                            certificate = x509.load_der_x509_certificate(bytes(obj[Attribute.VALUE]))
                            found.append(TokenCertificate(token.label, bytes(obj[Attribute.ID]), certificate))
                except pkcs11.PKCS11Error:
                    continue  # pulled out while we looked, or unreadable: not offered on the login screen
            return found

        return self._run(collect)

    def login(self, label: str, prompter: PinPrompter, key_id: bytes | None = None) -> Pkcs11Signer:
        """Ask for the PIN, log in to token ``label``; a signer over its key (``key_id``, or the only one)."""
        previous = self._signers.pop(label, None)
        if previous is not None:
            previous.close()
        flags = self._run(lambda: self._token(label).flags)
        if flags & TokenFlag.USER_PIN_LOCKED:
            raise PinLocked(f"token {label!r} reports its user PIN locked")
        pin = prompter(
            PinRequest(label, bool(flags & TokenFlag.USER_PIN_COUNT_LOW), bool(flags & TokenFlag.USER_PIN_FINAL_TRY))
        )
        if pin is None:
            raise WrongPin("PIN entry cancelled", count_low=False)
        try:
            session = self._run(functools.partial(self._open, label, pin, rw=False))
        finally:
            pin = None  # drop our reference as soon as C_Login has it
        try:
            certificate, found_id, key_type = self._run(lambda: self._select_key(session, key_id))
        except BaseException:
            self._run(session.close)
            raise
        signer = Pkcs11Signer(self, session, label, found_id, certificate, key_type)
        self._signers[label] = signer
        return signer

    def generate_key(self, label: str, pin: str, algorithm: KeyAlgorithm, key_id: bytes, key_label: str) -> PublicKey:
        """Generate a non-extractable key pair ON the token and return its public key."""

        def generate() -> PublicKey:
            with self._open(label, pin, rw=True) as session:
                common = {Attribute.TOKEN: True, Attribute.ID: key_id, Attribute.LABEL: key_label}
                private = {**common, Attribute.PRIVATE: True, Attribute.SENSITIVE: True, Attribute.EXTRACTABLE: False}
                if algorithm == "p256":
                    params = session.create_domain_parameters(
                        KeyType.EC, {Attribute.EC_PARAMS: encode_named_curve_parameters(P256_OID)}, local=True
                    )
                    capabilities = MechanismFlag.SIGN | MechanismFlag.VERIFY | MechanismFlag.DERIVE
                    public, _ = params.generate_keypair(
                        store=True, capabilities=capabilities, public_template=common, private_template=private
                    )
                    der = encode_ec_public_key(public)
                else:
                    bits = 2048 if algorithm == "rsa2048" else 3072
                    capabilities = (
                        MechanismFlag.SIGN | MechanismFlag.VERIFY | MechanismFlag.DECRYPT | MechanismFlag.ENCRYPT
                    )
                    public, _ = session.generate_keypair(
                        KeyType.RSA,
                        bits,
                        store=True,
                        capabilities=capabilities,
                        public_template=common,
                        private_template=private,
                    )
                    der = encode_rsa_public_key(public)
            key = serialization.load_der_public_key(der)
            if not isinstance(key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
                raise TokenFailure("token produced an unsupported key")
            return key

        return self._run(generate)

    def store_certificate(
        self, label: str, pin: str, certificate: x509.Certificate, key_id: bytes, cert_label: str
    ) -> None:
        """Write ``certificate`` to the token beside the key with ``key_id``."""

        def store() -> None:
            with self._open(label, pin, rw=True) as session:
                session.create_object(
                    {
                        Attribute.CLASS: ObjectClass.CERTIFICATE,
                        Attribute.CERTIFICATE_TYPE: pkcs11.CertificateType.X_509,
                        Attribute.TOKEN: True,
                        Attribute.PRIVATE: False,
                        Attribute.ID: key_id,
                        Attribute.LABEL: cert_label,
                        Attribute.SUBJECT: certificate.subject.public_bytes(),
                        Attribute.ISSUER: certificate.issuer.public_bytes(),
                        Attribute.SERIAL_NUMBER: _der_integer(certificate.serial_number),
                        Attribute.VALUE: certificate.public_bytes(serialization.Encoding.DER),
                    }
                )

        self._run(store)

    # --- below: only ever called on the token thread -------------------------------------------------------

    def _present_tokens(self) -> list[Any]:
        tokens = []
        for slot in self._lib.get_slots(token_present=True):
            try:
                tokens.append(slot.get_token())
            except pkcs11.PKCS11Error:
                continue  # a token pulled out between C_GetSlotList and C_GetTokenInfo
        return tokens

    def _token(self, label: str) -> Any:
        for token in self._present_tokens():
            if token.label == label:
                return token
        raise TokenNotFound(f"no token labelled {label!r}")

    def _open(self, label: str, pin: str, *, rw: bool) -> Any:
        token = self._token(label)
        try:
            return token.open(rw=rw, user_pin=pin)
        except pkcs11.PinIncorrect:
            flags = self._token(label).flags
            raise WrongPin(
                f"token {label!r} rejected the PIN",
                count_low=bool(flags & TokenFlag.USER_PIN_COUNT_LOW),
                final_try=bool(flags & TokenFlag.USER_PIN_FINAL_TRY),
            ) from None
        except pkcs11.PinLocked:
            raise PinLocked(f"token {label!r}: CKR_PIN_LOCKED") from None
        except pkcs11.PKCS11Error as exc:
            raise translate_token_error(exc, label) from None

    def _select_key(self, session: Any, key_id: bytes | None) -> tuple[x509.Certificate, bytes, KeyType]:
        attrs: dict[Attribute, Any] = {Attribute.CLASS: ObjectClass.CERTIFICATE}
        if key_id is not None:
            attrs[Attribute.ID] = key_id
        objects = list(session.get_objects(attrs))
        if len(objects) != 1:
            raise TokenFailure(
                f"{len(objects)} certificates match on the token", user_message="介质上的证书不唯一或不存在。"
            )
        found_id = bytes(objects[0][Attribute.ID])
        certificate = x509.load_der_x509_certificate(bytes(objects[0][Attribute.VALUE]))
        key = session.get_key(object_class=ObjectClass.PRIVATE_KEY, id=found_id)
        return certificate, found_id, key.key_type


def translate_token_error(exc: Exception, label: str) -> Exception:
    """The typed error for a PKCS#11 failure (English log text only, never data)."""
    if isinstance(exc, pkcs11.PinLocked):
        return PinLocked(f"token {label!r}: CKR_PIN_LOCKED")
    if isinstance(exc, pkcs11.PinIncorrect):
        return WrongPin(f"token {label!r}: CKR_PIN_INCORRECT")
    if isinstance(
        exc, pkcs11.TokenNotPresent | pkcs11.DeviceRemoved | pkcs11.SessionHandleInvalid | pkcs11.SessionClosed
    ):
        return TokenRemoved(f"token {label!r} went away: {type(exc).__name__}")
    return TokenFailure(f"token {label!r}: {type(exc).__name__}")


class Pkcs11Signer:
    """An operator key on a token, logged in. Implements ``Signer`` and ``KeyUnwrapper``; ``close`` logs out."""

    def __init__(
        self,
        library: TokenLibrary,
        session: Any,
        token_label: str,
        key_id: bytes,
        certificate: x509.Certificate,
        key_type: KeyType,
        chain: Sequence[x509.Certificate] = (),
    ) -> None:
        self._library = library
        self._session: Any = session
        self.token_label = token_label
        self.key_id = key_id
        self._certificate = certificate
        self._key_type = key_type
        self._chain = tuple(chain)

    def __repr__(self) -> str:
        return f"Pkcs11Signer(token={self.token_label!r}, subject={self._certificate.subject.rfc4514_string()!r})"

    @property
    def certificate(self) -> x509.Certificate:
        return self._certificate

    @property
    def chain(self) -> Sequence[x509.Certificate]:
        return self._chain

    def with_chain(self, chain: Sequence[x509.Certificate]) -> Pkcs11Signer:
        """The intermediates come from the terminal's configuration, not the token."""
        self._chain = tuple(chain)
        return self

    def close(self) -> None:
        """Log out and close the session; the next use needs a new login (and the PIN)."""
        session, self._session = self._session, None
        if session is not None:
            # A token already pulled out has nothing left to log out of.
            with contextlib.suppress(pkcs11.PKCS11Error):
                self._library._run(session.close)

    def sign(self, data: bytes) -> bytes:
        """SHA-256 in software, the private-key operation on the token; DER ECDSA or PKCS#1 v1.5."""
        digest = hashlib.sha256(data).digest()
        if self._key_type == KeyType.EC:
            raw = self._call(lambda key: key.sign(digest, mechanism=Mechanism.ECDSA))
            signature = encode_ecdsa_signature(raw)
        else:
            raw = self._call(lambda key: key.sign(SHA256_DIGEST_INFO_PREFIX + digest, mechanism=Mechanism.RSA_PKCS))
            signature = bytes(raw)
        self._check(signature, data)
        return signature

    def sign_rsa_pss(self, data: bytes) -> bytes:
        """RSA-PSS (SHA-256, MGF1-SHA-256, salt 32) over a software hash with CKM_RSA_PKCS_PSS."""
        digest = hashlib.sha256(data).digest()
        params = (Mechanism.SHA256, MGF.SHA256, 32)
        return bytes(self._call(lambda key: key.sign(digest, mechanism=Mechanism.RSA_PKCS_PSS, mechanism_param=params)))

    def decrypt_rsa_oaep_sha256(self, ciphertext: bytes) -> bytes:
        """RSA-OAEP-SHA256 on the token; a token that knows only SHA-1 OAEP does raw RSA, we unpad in software."""
        params = (Mechanism.SHA256, MGF.SHA256, None)

        def decrypt(key: Any) -> bytes:
            try:
                return bytes(key.decrypt(ciphertext, mechanism=Mechanism.RSA_PKCS_OAEP, mechanism_param=params))
            except (pkcs11.ArgumentsBad, pkcs11.MechanismParamInvalid, pkcs11.MechanismInvalid):
                raw = bytes(key.decrypt(ciphertext, mechanism=Mechanism.RSA_X_509))
                return oaep_sha256_decode(raw, (key.key_length + 7) // 8)
            except (pkcs11.EncryptedDataInvalid, pkcs11.EncryptedDataLenRange):
                raise ValueError("decryption failed") from None

        return self._call(decrypt)

    def ecdh_p256(self, peer_public_key: ec.EllipticCurvePublicKey) -> bytes:
        """CKM_ECDH1_DERIVE (no KDF) on the token; the shared secret is read back as a non-sensitive session object."""
        point = peer_public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)

        def derive(key: Any) -> bytes:
            secret = key.derive_key(
                KeyType.GENERIC_SECRET,
                256,
                mechanism=Mechanism.ECDH1_DERIVE,
                mechanism_param=(KDF.NULL, None, point),
                template={Attribute.SENSITIVE: False, Attribute.EXTRACTABLE: True, Attribute.TOKEN: False},
            )
            try:
                return bytes(secret[Attribute.VALUE])
            finally:
                secret.destroy()

        return self._call(derive)

    def _call(self, operation: Callable[[Any], T]) -> T:
        session = self._session
        if session is None:
            raise TokenRemoved("signer closed", user_message="终端已锁定，请重新输入 PIN 码。", next_step="")

        def on_token() -> T:
            try:
                key = session.get_key(object_class=ObjectClass.PRIVATE_KEY, id=self.key_id)
                return operation(key)
            except pkcs11.PKCS11Error as exc:
                raise translate_token_error(exc, self.token_label) from None

        return self._library._run(on_token)

    def _check(self, signature: bytes, data: bytes) -> None:
        # A faulty token signature must never leave the terminal (and an RSA-CRT fault would leak the key).
        public = self._certificate.public_key()
        try:
            if isinstance(public, ec.EllipticCurvePublicKey):
                public.verify(signature, data, ec.ECDSA(hashes.SHA256()))
            elif isinstance(public, rsa.RSAPublicKey):
                public.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
            else:
                raise TokenFailure("unsupported certificate key")
        except InvalidSignature:
            raise TokenFailure("token signature does not verify against its certificate") from None


def _der_integer(value: int) -> bytes:
    body = value.to_bytes((value.bit_length() + 8) // 8, "big")
    return bytes([0x02, len(body)]) + body
