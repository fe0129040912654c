"""预算核查: budget sheets checked line by line against the applicable standards.

* :mod:`kb.budget.lines` — the budget line, the check's context and its results (dataclasses);
* :mod:`kb.budget.sheet` — a sheet (XLSX, CSV, JSON lines) read into lines and broken rows;
* :mod:`kb.budget.figures` — quantities, unit prices and units of a line, exact;
* :mod:`kb.budget.facts` — the facts of candidate standard versions, read from the database;
* :mod:`kb.budget.policy` — which standard applies: sub-item, grade, region and level, the
  ranking key and the score derived from it;
* :mod:`kb.budget.checking` — the verdict rules;
* :mod:`kb.budget.report` — the report as XLSX, CSV or JSON.

Finding the candidates in the search index is :mod:`indexer.matching`'s part.
"""
