"""Spreadsheets and uploads by format: reading and writing CSV, XLSX and JSON tables, upload safety."""
