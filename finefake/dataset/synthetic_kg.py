"""The small knowledge graph of the synthetic records: real Wikidata entities (ids, labels, descriptions as on
Wikidata), their topics, and real one-hop relation and attribute statements among them.

It is data, apart from :mod:`finefake.dataset.synthetic` (which links items' mentions to these entities) so
that the generator can be read without it; the demo's mini-web serves the same graph as its Wikidata.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class KgEntity:
    qid: str
    label: str
    description: str
    topic: str
    disputed: bool = False


# Real Wikidata entities (ids, labels, descriptions as on Wikidata) and real one-hop statements among them.
ENTITIES: tuple[KgEntity, ...] = (
    KgEntity("Q76", "Barack Obama", "president of the United States from 2009 to 2017", "politics"),
    KgEntity("Q6279", "Joe Biden", "president of the United States from 2021 to 2025", "politics"),
    KgEntity("Q22686", "Donald Trump", "president of the United States", "politics", disputed=True),
    KgEntity("Q6294", "Hillary Clinton", "American politician and diplomat", "politics", disputed=True),
    KgEntity("Q1124", "Bill Clinton", "president of the United States from 1993 to 2001", "politics"),
    KgEntity("Q61", "Washington, D.C.", "capital city of the United States", "politics"),
    KgEntity("Q29552", "Democratic Party", "political party in the United States", "politics"),
    KgEntity("Q29468", "Republican Party", "political party in the United States", "politics"),
    KgEntity("Q312", "Apple", "American multinational technology company", "business"),
    KgEntity("Q95", "Google", "American technology company", "business"),
    KgEntity("Q2283", "Microsoft", "American multinational technology corporation", "business"),
    KgEntity("Q3884", "Amazon", "American multinational technology company", "business", disputed=True),
    KgEntity("Q478214", "Tesla", "American automotive and energy company", "business", disputed=True),
    KgEntity("Q317521", "Elon Musk", "businessman and entrepreneur", "business", disputed=True),
    KgEntity("Q7817", "World Health Organization", "specialized agency of the United Nations", "health"),
    KgEntity(
        "Q583725",
        "Centers for Disease Control and Prevention",
        "United States federal health agency",
        "health",
    ),
    KgEntity("Q84263196", "COVID-19", "contagious disease caused by SARS-CoV-2", "health", disputed=True),
    KgEntity(
        "Q134808",
        "vaccine",
        "biological preparation that improves immunity to a particular disease",
        "health",
        disputed=True,
    ),
    KgEntity("Q12078", "cancer", "group of diseases", "health"),
    KgEntity("Q89", "apple", "fruit of the apple tree", "health"),
    KgEntity("Q2831", "Michael Jackson", "American singer, songwriter and dancer", "entertainment"),
    KgEntity("Q1299", "The Beatles", "English rock band", "entertainment"),
    KgEntity("Q2736", "association football", "team sport played with a ball", "entertainment"),
    KgEntity("Q5372", "basketball", "team sport", "entertainment"),
    KgEntity("Q48340", "CNN", "American news channel", "entertainment", disputed=True),
    KgEntity("Q9684", "The New York Times", "American daily newspaper", "society"),
    KgEntity("Q166032", "The Washington Post", "American daily newspaper", "society"),
    KgEntity("Q11660", "artificial intelligence", "intelligence of machines", "society", disputed=True),
    KgEntity("Q2", "Earth", "third planet from the Sun", "society"),
    KgEntity("Q405", "Moon", "natural satellite of Earth", "society", disputed=True),
    KgEntity("Q60", "New York City", "most populous city in the United States", "society"),
    KgEntity("Q30", "United States", "country in North America", "politics"),
    KgEntity("Q159", "Russia", "country in Eastern Europe and Northern Asia", "conflict", disputed=True),
    KgEntity("Q212", "Ukraine", "country in Eastern Europe", "conflict"),
    KgEntity("Q801", "Israel", "country in Western Asia", "conflict"),
    KgEntity("Q794", "Iran", "country in Western Asia", "conflict", disputed=True),
    KgEntity("Q362", "World War II", "1939–1945 global war", "conflict"),
    KgEntity("Q145", "United Kingdom", "country in Western Europe", "conflict"),
    KgEntity("Q84", "London", "capital and largest city of the United Kingdom", "conflict"),
)


ENTITY_BY_QID: dict[str, KgEntity] = {e.qid: e for e in ENTITIES}


PROPERTY_LABELS: dict[str, str] = {
    "P27": "country of citizenship",
    "P17": "country",
    "P36": "capital",
    "P102": "member of political party",
    "P159": "headquarters location",
    "P169": "chief executive officer",
    "P112": "founded by",
    "P26": "spouse",
    "P1376": "capital of",
    "P569": "date of birth",
    "P571": "inception",
    "P1082": "population",
    "P856": "official website",
    "P1448": "official name",
}


RELATIONS: tuple[tuple[str, str, str], ...] = (
    ("Q76", "P27", "Q30"),
    ("Q76", "P102", "Q29552"),
    ("Q6279", "P27", "Q30"),
    ("Q6279", "P102", "Q29552"),
    ("Q22686", "P27", "Q30"),
    ("Q22686", "P102", "Q29468"),
    ("Q6294", "P27", "Q30"),
    ("Q6294", "P102", "Q29552"),
    ("Q6294", "P26", "Q1124"),
    ("Q1124", "P26", "Q6294"),
    ("Q1124", "P27", "Q30"),
    ("Q1124", "P102", "Q29552"),
    ("Q61", "P17", "Q30"),
    ("Q61", "P1376", "Q30"),
    ("Q30", "P36", "Q61"),
    ("Q29552", "P17", "Q30"),
    ("Q29468", "P17", "Q30"),
    ("Q312", "P17", "Q30"),
    ("Q95", "P17", "Q30"),
    ("Q2283", "P17", "Q30"),
    ("Q3884", "P17", "Q30"),
    ("Q478214", "P17", "Q30"),
    ("Q478214", "P169", "Q317521"),
    ("Q583725", "P17", "Q30"),
    ("Q2831", "P27", "Q30"),
    ("Q48340", "P17", "Q30"),
    ("Q9684", "P17", "Q30"),
    ("Q9684", "P159", "Q60"),
    ("Q166032", "P17", "Q30"),
    ("Q166032", "P159", "Q61"),
    ("Q60", "P17", "Q30"),
    ("Q84", "P17", "Q145"),
    ("Q145", "P36", "Q84"),
    ("Q1299", "P17", "Q145"),
)


ATTRIBUTES: tuple[tuple[str, str, str, str], ...] = (
    ("Q76", "P569", "1961-08-04T00:00:00Z", "time"),
    ("Q6279", "P569", "1942-11-20T00:00:00Z", "time"),
    ("Q22686", "P569", "1946-06-14T00:00:00Z", "time"),
    ("Q6294", "P569", "1947-10-26T00:00:00Z", "time"),
    ("Q1124", "P569", "1946-08-19T00:00:00Z", "time"),
    ("Q312", "P571", "1976-04-01T00:00:00Z", "time"),
    ("Q312", "P856", "https://www.apple.com/", "url"),
    ("Q95", "P856", "https://www.google.com/", "url"),
    ("Q2283", "P571", "1975-04-04T00:00:00Z", "time"),
    ("Q3884", "P571", "1994-07-05T00:00:00Z", "time"),
    ("Q7817", "P571", "1948-04-07T00:00:00Z", "time"),
    ("Q7817", "P856", "https://www.who.int/", "url"),
    ("Q583725", "P856", "https://www.cdc.gov/", "url"),
    ("Q2831", "P569", "1958-08-29T00:00:00Z", "time"),
    ("Q30", "P1082", "+331449281", "quantity"),
    ("Q60", "P1082", "+8804190", "quantity"),
    ("Q84", "P1082", "+8799800", "quantity"),
    ("Q30", "P1448", "United States of America", "monolingualtext"),
    ("Q145", "P1448", "United Kingdom of Great Britain and Northern Ireland", "monolingualtext"),
)
