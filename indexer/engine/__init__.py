"""The search engine: Whoosh stores the index, numpy arrays answer the queries (see README.md).

Public surface: :class:`indexer.engine.index.SearchIndex` and its
:class:`~indexer.engine.index.View` (search through :mod:`indexer.search`), the query compiler
:func:`indexer.engine.query.compile_query`, and :data:`indexer.engine.cache.LIMITS`. The package
imports nothing here, so that :mod:`indexer.analysis` can read its limits without a cycle.
"""
