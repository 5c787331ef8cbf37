"""What the bot says about files: /export, a sent spreadsheet's preview, Apply and Cancel."""

from __future__ import annotations

from bot.render import bold, esc, when
from core.sheets.reading import MAX_ROWS
from core.stock.export import ExportFiles
from core.stock.import_plan import Change, ImportPreviewView
from core.stock.imports import ImportResult
from core.wording import count

SHOWN_CHANGES = 5
SHOWN_ERRORS = 20
# Reasons are cut there, so that the preview stays one message (Telegram's 4,096).
MAX_REASON = 115
APPLY_BUTTON = "✅ Apply"
CANCEL_BUTTON = "✖️ Cancel"
CANCELLED = "✖️ Import cancelled: nothing was changed."
APPLYING = "⏳ Importing…"
DOCUMENT_USAGE = (
    f"Send a .csv or .xlsx file (up to 5 MB and {count(MAX_ROWS)} rows) with the columns "
    "of /export: Name, SKU, Quantity, Threshold."
)
ERRORS_CAPTION = "Every row that cannot be imported, with the reason."


def export_caption(files: ExportFiles) -> str:
    """The caption of the workbook /export sends."""
    return (
        f"📦 {count(files.items)} items and {count(files.movements)} movements. Edit the "
        "Items sheet (or the items CSV) and send it back to import it."
    )


def _changes(title: str, changes: tuple[Change, ...]) -> list[str]:
    if not changes:
        return []
    lines = [f"{title} ({count(len(changes))}):"]
    lines += [
        f"• {esc(c.name)}: {count(c.before)} → {count(c.after)}" for c in changes[:SHOWN_CHANGES]
    ]
    if len(changes) > SHOWN_CHANGES:
        lines.append(f"…and {count(len(changes) - SHOWN_CHANGES)} more")
    return lines


def _reason(text: str) -> str:
    return text if len(text) <= MAX_REASON else text[: MAX_REASON - 1] + "…"


def _errors(preview: ImportPreviewView) -> list[str]:
    errors = preview.errors
    if not errors:
        return []
    lines = [f"⚠️ Rows not imported ({count(len(errors))}):"]
    lines += [f"• Row {e.row}: {esc(_reason(e.reason))}" for e in errors[:SHOWN_ERRORS]]
    if len(errors) > SHOWN_ERRORS:
        lines.append(f"…and {count(len(errors) - SHOWN_ERRORS)} more (all in the errors CSV).")
    return lines


def preview_text(preview: ImportPreviewView, file_name: str | None) -> str:
    """What a sent spreadsheet would change, and the rows it leaves out."""
    rows = count(preview.rows_read)
    lines = [f"📄 {bold(file_name or 'Your file')}: {rows} rows read."]
    new = preview.new_items
    if new:
        lines.append(f"New items ({count(len(new))}):")
        lines += [f"• {esc(n.name)}: {count(n.quantity)}" for n in new[:SHOWN_CHANGES]]
        if len(new) > SHOWN_CHANGES:
            lines.append(f"…and {count(len(new) - SHOWN_CHANGES)} more")
    lines += _changes("Quantities", preview.quantity_changes)
    lines += _changes("Thresholds", preview.threshold_changes)
    if preview.unchanged:
        lines.append(f"Unchanged: {count(preview.unchanged)}")
    if preview.ignored_columns:
        lines.append(f"Columns not imported: {esc(', '.join(preview.ignored_columns))}")
    lines += _errors(preview)
    if preview.has_changes:
        until = when(preview.expires_at, preview.zone)
        lines.append(f"Apply changes all of this at once, or nothing. Until {until}.")
    else:
        lines.append("Nothing to change.")
    return "\n".join(lines)


def _many(number: int, one: str, more: str) -> str:
    return f"{count(number)} {one if number == 1 else more}"


def applied(result: ImportResult) -> str:
    """The answer to Apply (the first and any later press)."""
    head = "✅ Already imported" if result.already_applied else "✅ Imported"
    parts = [
        _many(result.created, "new item", "new items"),
        _many(result.quantities_changed, "quantity", "quantities"),
        _many(result.thresholds_changed, "threshold", "thresholds"),
    ]
    lines = [f"{head}: {', '.join(parts)}."]
    if result.alerts_opened or result.alerts_resolved:
        lines.append(
            f"Alerts: {count(result.alerts_opened)} raised, "
            f"{count(result.alerts_resolved)} resolved."
        )
    return "\n".join(lines)
