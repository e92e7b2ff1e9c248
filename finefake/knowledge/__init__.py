"""Knowledge alignment: entity linking (TagMe or the offline local linker), Wikidata one-hop triples (remote
SPARQL or the embedded pyoxigraph store running the same query text), and the human-review queue."""
