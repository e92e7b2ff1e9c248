"""Annotation loop: Label Studio interface and guidelines, server and file backends, agreement, consensus."""
