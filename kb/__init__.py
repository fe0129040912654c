"""标准库 knowledge base: the domain, with no HTTP and no search engine."""

__version__ = "0.1.0"
