"""The case detail, read-only. The timeline, materials, documents and packets arrive with the domain services."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QVBoxLayout, QWidget

from app.domain.timezone import CST
from app.models.cases import CaseRecord
from app.ui.features.cases.model import amount_text, stage_label
from app.ui.widgets import hint, page_title


class CaseDetailDialog(QDialog):
    """Shows one case's stored fields; closes with Esc or 关闭."""

    def __init__(self, record: CaseRecord, agency_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"案件详情 — {record.case_number}")
        layout = QVBoxLayout(self)
        layout.addWidget(page_title(record.title))
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        occurred = record.occurred_on.isoformat() if record.occurred_on else "未填写"
        fields = (
            ("案件编号", record.case_number),
            ("案件名称", record.title),
            ("当事人", record.party_name),
            ("证件号码", record.party_id_number),
            ("案由", record.case_type),
            ("阶段", stage_label(record.stage)),
            ("金额(元)", amount_text(record.amount_fen)),
            ("案发日期", occurred),
            ("承办单位", agency_name or record.agency_code),
            ("录入时间", record.created_at.astimezone(CST).strftime("%Y-%m-%d %H:%M")),
            ("最近更新", record.updated_at.astimezone(CST).strftime("%Y-%m-%d %H:%M")),
        )
        for label, value in fields:
            text = QLabel(value)
            text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            text.setWordWrap(True)
            form.addRow(f"{label}：", text)
        layout.addLayout(form)
        layout.addWidget(
            hint("案件时间线（谁在何时做了什么、是否在期限内）、材料、文书和数据包回执将在后续版本中显示。")
        )
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText("关闭")
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(self.fontMetrics().horizontalAdvance("中") * 40, self.sizeHint().height())
