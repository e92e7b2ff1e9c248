"""``croissant.json``: Croissant 1.0 JSON-LD metadata of a packaged dataset (its Parquet files, the columns of
its record set, its license as an SPDX URL).

Written beside the dataset card by ``finefake package``, for FineFake packages and imported datasets alike. It
is apart from :mod:`finefake.dataset.card` (the Markdown card and Table 3) because it is a separate file in a
separate format, checked on its own against mlcroissant.
"""

from __future__ import annotations

from typing import Any

#: Hugging Face license ids whose SPDX identifier differs only in case; Croissant names a license by URL.
_SPDX = {
    "mit",
    "apache-2.0",
    "cc0-1.0",
    "cc-by-4.0",
    "cc-by-sa-4.0",
    "cc-by-nc-4.0",
    "cc-by-nc-sa-4.0",
    "odc-by",
}


_CROISSANT_CONTEXT: dict[str, Any] = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "parentField": "cr:parentField",
    "path": "cr:path",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
    "samplingRate": "cr:samplingRate",
    "equivalentProperty": "cr:equivalentProperty",
}


#: The record columns described in the Croissant record set (name, Croissant data type, description).
CROISSANT_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("id", "sc:Text", "Stable item id (platform + canonical URL or platform id)."),
    (
        "platform",
        "sc:Integer",
        "Platform class id (snopes, twitter, reddit, cnn, apnews, cdc, nytimes, ...).",
    ),
    ("platform_group", "sc:Integer", "Platform group class id: fact_check, stream, official."),
    ("topic", "sc:Integer", "Topic class id: politics, entertainment, business, health, society, conflict."),
    ("url", "sc:URL", "Where the item was published."),
    ("title", "sc:Text", "Headline or post title."),
    ("text", "sc:Text", "Body text."),
    ("label", "sc:Integer", "Binary label: 0 = fake, 1 = real."),
    ("fine_grained_label", "sc:Integer", "Six-class label (0 real ... 5 others)."),
)


def license_url(license: str) -> str:
    """The license as Croissant wants it: an SPDX URL for known ids, the text itself otherwise."""
    key = license.strip().lower()
    if key in _SPDX:
        spdx = {"mit": "MIT", "apache-2.0": "Apache-2.0", "odc-by": "ODC-By-1.0"}.get(key, key.upper())
        return f"https://spdx.org/licenses/{spdx}.html"
    return license


def croissant_metadata(
    split_sizes: dict[str, int],
    *,
    license: str,
    pretty_name: str,
    parquet_dir: str = "parquet",
    url: str = "https://github.com/finefake/finefake",
    description: str | None = None,
    cite_as: str | None = None,
    fields: tuple[tuple[str, str, str], ...] = CROISSANT_FIELDS,
) -> dict[str, Any]:
    """Croissant 1.0 JSON-LD describing the packaged Parquet files, one record set with the main columns.

    Written beside the dataset card (``croissant.json``) so that dataset search engines and loaders that read
    Croissant (mlcroissant, TFDS, Hugging Face) find the files, their columns and the license. An imported
    dataset's package passes its own ``description``, ``cite_as`` (the source's citation) and ``fields``.
    """
    from datetime import date

    from finefake import __version__

    file_set = "parquet-files"
    return {
        "@context": _CROISSANT_CONTEXT,
        "@type": "sc:Dataset",
        "name": pretty_name,
        "description": description
        or (
            "A multimodal, multi-domain, knowledge-enriched, fine-grained fake-news dataset in the format of "
            f"FineFake (Zhou et al., 2024); {sum(split_sizes.values())} items in splits "
            + ", ".join(f"{name} ({n})" for name, n in split_sizes.items())
            + "."
        ),
        "conformsTo": "http://mlcommons.org/croissant/1.0",
        "citeAs": cite_as
        or (
            "Zhou et al. FineFake: A Knowledge-Enriched Dataset for Fine-Grained Multi-Domain Fake News "
            "Detection. 2024."
        ),
        "license": license_url(license),
        "url": url,
        "version": __version__,
        "datePublished": date.today().isoformat(),
        "keywords": ["fake news", "misinformation", "multimodal", "knowledge graph", "wikidata"],
        "distribution": [
            {
                "@type": "cr:FileSet",
                "@id": file_set,
                "name": file_set,
                "description": "Parquet shards of every split (<split>-NNNNN-of-MMMMM.parquet).",
                "encodingFormat": "application/x-parquet",
                "includes": f"{parquet_dir}/*.parquet",
            }
        ],
        "recordSet": [
            {
                "@type": "cr:RecordSet",
                "@id": "items",
                "name": "items",
                "description": "One news item per record (the main columns; the Parquet holds every column).",
                "field": [
                    {
                        "@type": "cr:Field",
                        "@id": f"items/{name}",
                        "name": name,
                        "description": text,
                        "dataType": kind,
                        "source": {"fileSet": {"@id": file_set}, "extract": {"column": name}},
                    }
                    for name, kind, text in fields
                ],
            }
        ],
    }


def dataset_croissant_fields(spec: Any, layout: Any) -> tuple[tuple[str, str, str], ...]:
    """The Croissant fields of an imported dataset: shared columns, its label spaces and its domains."""
    fields = [
        ("id", "sc:Text", f"Item id ({spec.name}:<the release's own id>)."),
        (
            "platform",
            "sc:Text",
            "Where the item was published (twitter, reddit, politifact, gossipcop, ...).",
        ),
        ("url", "sc:URL", "The item's URL where the release gives one."),
        ("title", "sc:Text", "Headline or post title."),
        ("text", "sc:Text", "Body text, statement or post text."),
        ("split", "sc:Text", "The release's own split of the item (null where it has none)."),
        ("label", "sc:Integer", "Binary label: 0 = fake, 1 = real (null where the class has no mapping)."),
    ]
    fields += [
        (
            space,
            "sc:Integer",
            f"{spec.name} label space {space}: " + ", ".join(f"{i} = {c}" for i, c in enumerate(names)),
        )
        for space, names in layout.label_spaces.items()
    ]
    fields += [(kind, "sc:Text", f"Domain: the item's {kind}.") for kind in layout.domain_kinds]
    return tuple(fields)
