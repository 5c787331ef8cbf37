"""Spreadsheets as plain values: tables written as CSV and XLSX, and the documents members
send read back into rows, hostile ones refused with a reason (no database here)."""
