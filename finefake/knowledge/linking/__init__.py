"""Entity linkers: ``tagme`` (TagMe REST API + MediaWiki id mapping) and ``local`` (spaCy NER + knowledge store)."""
