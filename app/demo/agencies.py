"""Who is in the demo: the three member agencies of 兴庆区, the leading group office, their operators and PINs.

The PINs are public by design: the login window shows them in demo mode.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.domain.agencies import Agency, AgencyKind
from app.domain.identifiers import uscc_check_character

DEMO_PIN = "123456"


def _code(first17: str) -> str:
    return first17 + uscc_check_character(first17)


@dataclass(frozen=True)
class DemoOperator:
    """An operator of a demo agency: name, 工号, role as the operator reads it, and the PKCS#12 file's stem."""

    name: str
    operator_id: str
    role: str
    file_stem: str


@dataclass(frozen=True)
class DemoAgency:
    """A demo member agency: terminal name, 机关代字, head, operators (the first one enrolls the terminal)."""

    agency: Agency
    short: str  # folder-safe key: enforcement / police / procuratorate
    terminal_name: str
    prefix: str
    head: str
    operators: tuple[DemoOperator, ...]

    @property
    def code(self) -> str:
        return self.agency.code

    @property
    def name(self) -> str:
        return self.agency.name

    def operator(self, role: str) -> DemoOperator:
        """The operator with ``role`` (办案人员, 负责人 …)."""
        return next(o for o in self.operators if o.role == role)


ENFORCEMENT = DemoAgency(
    Agency("11640100MB00000012", AgencyKind.ENFORCEMENT, "银川市兴庆区市场监督管理局"),
    "enforcement",
    "XQ-SCJG-01",
    "银兴市监",
    "马建国",
    (
        DemoOperator("王丽", "XQSJ0007", "办案人员", "wangli"),
        DemoOperator("马建国", "XQSJ0001", "负责人", "majianguo"),
    ),
)
POLICE = DemoAgency(
    Agency(_code("11640100MB0000012"), AgencyKind.POLICE, "银川市公安局兴庆区分局"),
    "police",
    "XQ-GA-01",
    "兴公",
    "杨志刚",
    (
        DemoOperator("李明", "XQGA0012", "受案民警", "liming"),
        DemoOperator("杨志刚", "XQGA0001", "负责人", "yangzhigang"),
    ),
)
PROCURATORATE = DemoAgency(
    Agency(_code("11640100MB0000013"), AgencyKind.PROCURATORATE, "银川市兴庆区人民检察院"),
    "procuratorate",
    "XQ-JCY-01",
    "兴检",
    "刘振华",
    (DemoOperator("周婷", "XQJC0003", "检察官", "zhouting"),),
)
OFFICE = Agency(_code("11640100MB0000014"), AgencyKind.LINKAGE_OFFICE, "兴庆区两法衔接工作领导小组办公室")
DEMO_AGENCIES = (ENFORCEMENT, POLICE, PROCURATORATE)
# The leading group office's terminal (joint meetings, seed §10): the interactive demo adds it, the scenario does not.
OFFICE_DESK = DemoAgency(
    OFFICE, "office", "XQ-LJB-01", "兴衔办", "刘振华", (DemoOperator("赵磊", "XQLJ0002", "联络员", "zhaolei"),)
)
INTERACTIVE_AGENCIES = (*DEMO_AGENCIES, OFFICE_DESK)
