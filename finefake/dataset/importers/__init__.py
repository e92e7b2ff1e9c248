"""Importers of the datasets the field already uses (MediaEval, FakeNewsNet, LIAR, Fakeddit) as records.

One module per dataset; the shared reading, accounting and writing code is in ``common``.
"""
