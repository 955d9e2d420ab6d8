"""One renderer per benchmark question: ``render(record) -> str`` (Markdown)."""
