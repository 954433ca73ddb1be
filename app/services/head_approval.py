"""The agency head approves a transfer on the operator's terminal with the head's own certificate (310号令 Art.5).

The head's certificate goes through the same checks as a login (chain, validity, CRL, profile, this agency, enrolled
here, PIN); the head's key must unwrap this terminal's key slot, which proves the key is the enrolled one. The store
is already open (the operator's session): the decision is written through it, signed and queued with the head's
signer, audited under the head's operator id. The head's signer is closed when the decision is stored.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

from app.config import TerminalConfig
from app.crypto import keyslots
from app.crypto.errors import WrongPin
from app.crypto.keyslot_errors import OperatorNotEnrolled
from app.crypto.pkcs11_token import Pkcs11Signer, TokenLibrary
from app.crypto.signers import Pkcs12Signer
from app.domain.errors import DomainError
from app.services.case_actions_transfer import approve_transfer, refuse_transfer
from app.services.cases import CaseDesk
from app.services.changes import Changes
from app.services.identity import LoginCandidate, build_validator, fingerprint, list_candidates, load_terminal_identity
from app.services.login import OperatorSession
from app.services.sync_outgoing import PacketOutbox


class SameOperatorCannotApprove(DomainError):
    user_message = "移送报告须由本单位负责人审批，不能由录入报告的操作员本人审批。"
    next_step = "请负责人选择自己的证书并输入PIN码。"


def head_candidates(
    config: TerminalConfig, tokens: TokenLibrary | None, session: OperatorSession
) -> list[LoginCandidate]:
    """The certificates enrolled here other than the logged-in operator's: who may sign as the head."""
    own = fingerprint(session.candidate.certificate)
    return [c for c in list_candidates(config, tokens) if fingerprint(c.certificate) != own]


def _open_signer(candidate: LoginCandidate, tokens: TokenLibrary | None, pin: str) -> Pkcs11Signer | Pkcs12Signer:
    if candidate.kind == "token":
        if tokens is None:
            raise OperatorNotEnrolled("no PKCS#11 module configured")
        return tokens.login(candidate.location, lambda request: pin, candidate.key_id)
    if not pin:
        raise WrongPin("empty PIN")
    return Pkcs12Signer.from_file(Path(candidate.location), pin)


def decide_as_head(
    config: TerminalConfig, tokens: TokenLibrary | None, operator_desk: CaseDesk, candidate: LoginCandidate,
    pin: str, case_id: str, *, approved: bool, reasons: str = "",
) -> Changes:  # fmt: skip
    """Check the head's certificate and PIN like a login, then record the head's decision signed by the head."""
    identity = load_terminal_identity(config)
    verdict = build_validator(config).validate(candidate.certificate, role="operator", agency_code=identity.agency_code)
    head_id = verdict.holder.operator_id or candidate.certificate.subject.rfc4514_string()
    if head_id == operator_desk.operator_id:
        raise SameOperatorCannotApprove(f"operator {head_id} approving own report")
    if keyslots.find_operator(config, candidate.certificate) is None:
        raise OperatorNotEnrolled(f"certificate {fingerprint(candidate.certificate)} has no slot")
    signer = _open_signer(candidate, tokens, pin)
    try:
        keyslots.unlock_with_operator(config, signer)  # the head's key is the one enrolled on this terminal
        desk: CaseDesk = dataclasses.replace(
            operator_desk, operator_id=head_id, operator_name=verdict.holder.common_name
        )
        if isinstance(desk.outgoing, PacketOutbox):  # the head's signature on the decision's packet
            desk = dataclasses.replace(desk, outgoing=dataclasses.replace(desk.outgoing, signer=signer))
        decide: Callable[[], Changes] = (
            (lambda: approve_transfer(desk, case_id))
            if approved
            else (lambda: refuse_transfer(desk, case_id, reasons=reasons))
        )
        return decide()
    finally:
        if isinstance(signer, Pkcs11Signer):
            signer.close()
