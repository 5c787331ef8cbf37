"""The JSON shapes of imports: a preview of what a spreadsheet would change, what Apply did."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from core.stock.import_plan import ImportPreviewView
from core.stock.imports import ImportResult


class ImportChange(BaseModel):
    name: str
    before: int
    after: int


class ImportNewItem(BaseModel):
    name: str
    quantity: int
    threshold: int


class ImportRowError(BaseModel):
    row: int = Field(description="The row as the spreadsheet numbers it (the header is row 1)")
    reason: str


class ImportPreview(BaseModel):
    id: int
    rows_read: int
    new_items: list[ImportNewItem]
    quantity_changes: list[ImportChange]
    threshold_changes: list[ImportChange]
    unchanged: int
    errors: list[ImportRowError] = Field(description="Rows that Apply leaves out, and why")
    ignored_columns: list[str]
    expires_at: datetime = Field(description="Apply works until then")

    @classmethod
    def of(cls, preview: ImportPreviewView) -> ImportPreview:
        return cls(
            id=preview.id,
            rows_read=preview.rows_read,
            new_items=[ImportNewItem(**vars(new)) for new in preview.new_items],
            quantity_changes=[ImportChange(**vars(c)) for c in preview.quantity_changes],
            threshold_changes=[ImportChange(**vars(c)) for c in preview.threshold_changes],
            unchanged=preview.unchanged,
            errors=[ImportRowError(row=e.row, reason=e.reason) for e in preview.errors],
            ignored_columns=list(preview.ignored_columns),
            expires_at=preview.expires_at,
        )


class ImportAnswer(BaseModel):
    id: int
    created: int
    quantities_changed: int
    thresholds_changed: int
    alerts_opened: int
    alerts_resolved: int
    already_applied: bool = Field(description="An earlier Apply did this; nothing changed now")

    @classmethod
    def of(cls, result: ImportResult) -> ImportAnswer:
        return cls(
            id=result.preview_id,
            created=result.created,
            quantities_changed=result.quantities_changed,
            thresholds_changed=result.thresholds_changed,
            alerts_opened=result.alerts_opened,
            alerts_resolved=result.alerts_resolved,
            already_applied=result.already_applied,
        )
