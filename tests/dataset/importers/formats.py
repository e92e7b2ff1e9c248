"""Small files in the real formats of MediaEval, FakeNewsNet, LIAR and Fakeddit, with the usual bad rows.

Each writer returns the line numbers of the rows it planted as bad, so tests can check the report names them.
Formats as documented by the releases (see the importer modules' docstrings).
"""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

MEDIAEVAL_2015_HEADER = "tweetId\ttweetText\tuserId\timageId(s)\tusername\ttimestamp\tlabel"
MEDIAEVAL_2016_TEST_HEADER = "post_id\tpost_text\tuser_id\tusername\timage_id\ttimestamp\tlabel"
STAMP = "Mon Oct 29 22:34:01 +0000 2012"


def png(color: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 6), color).save(buffer, format="PNG")
    return buffer.getvalue()


def mediaeval_2015(root: Path) -> dict[str, list[int]]:
    """devset/tweets.txt (8 good rows + bad ones) and testset/tweets.txt (3 rows); an image folder."""
    dev = [
        MEDIAEVAL_2015_HEADER,
        f"100\tHurricane shark on the highway!\t11\tsandyA_fake_01\tann\t{STAMP}\tfake",  # line 2
        f"101\tStatue of liberty storm\t12\tsandyA_fake_02,sandyB_fake_03\tbob\t{STAMP}\tfake",
        f"102\tReal flood photo\t13\tsandyA_real_01\tcid\t{STAMP}\treal",
        f"103\tlol this is a joke\t14\tsandyB_fake_04\tdan\t{STAMP}\thumor",
        f"104\tBoston finish line\t15\tboston_real_01\teve\t{STAMP}\treal",
        f"105\tBoston fake suspect\t16\tboston_fake_01\tfay\t{STAMP}\tfake",
        f"106\tsochi\twith a tab inside\t17\tsochi_fake_01\tgus\t{STAMP}\tfake",  # line 8: stray tab, repaired
        f"107\tSochi real\t18\tsochi_real_01\thal\t{STAMP}\treal",
        "108\tmissing columns\t19\tsochi_real_01",  # line 10: shifted (too few), skipped
        f"100\tduplicate of line 2\t11\tsandyA_fake_01\tann\t{STAMP}\tfake",  # line 11: duplicate id
        f"109\tunknown label\t20\tsochi_real_01\tivy\t{STAMP}\tmaybe",  # line 12: bad label
        f"abc\tnot an id\t21\tsochi_real_01\tjon\t{STAMP}\treal",  # line 13: bad id
        "",  # line 14: empty line
        f"110\t\t22\tboston_real_01\tkim\t{STAMP}\treal",  # line 15: empty text, kept
    ]
    test = [
        MEDIAEVAL_2015_HEADER,
        f"200\tEclipse from space\t31\teclipse_fake_01\tlee\t{STAMP}\tfake",
        f"201\tGarissa attack photo\t32\tgarissa_real_01\tmay\t{STAMP}\treal",
        f"202\tNepal quake\t33\tnepal_fake_01\tned\t{STAMP}\thumor",
    ]
    (root / "devset").mkdir(parents=True)
    (root / "testset").mkdir(parents=True)
    (root / "devset" / "tweets.txt").write_text("\n".join(dev) + "\n", encoding="utf-8")
    (root / "testset" / "tweets.txt").write_text("\n".join(test) + "\n", encoding="utf-8")
    images = root / "images" / "sandy" / "fakes"
    images.mkdir(parents=True)
    for name in ("sandyA_fake_01", "sandyA_fake_02", "sandyB_fake_04"):
        (images / f"{name}.png").write_bytes(png())
    (images / "sandyA_real_01.jpg").write_bytes(b"not an image")
    return {"skipped": [10, 11, 12, 13, 14], "repaired": [8], "kept": [15]}


LIAR_ROWS = [
    [
        "2635.json",
        "false",
        "Says the Annies List political group supports third-trimester abortions on demand.",
        "abortion",
        "dwayne-bohac",
        "State representative",
        "Texas",
        "republican",
        "0",
        "1",
        "0",
        "0",
        "0",
        "a mailer",
    ],
    [
        "10540.json",
        "half-true",
        "When did the decline of coal start?",
        "energy,history,job-accomplishments",
        "scott-surovell",
        "State delegate",
        "Virginia",
        "democrat",
        "0",
        "0",
        "1",
        "1",
        "0",
        "a floor speech.",
    ],
    [
        "324.json",
        "mostly-true",
        "Hillary Clinton agrees with John McCain by voting to give George Bush the "
        "benefit of the doubt on Iran.",
        "foreign-policy",
        "barack-obama",
        "President",
        "Illinois",
        "democrat",
        "70",
        "71",
        "160",
        "163",
        "9",
        "Denver",
    ],
    [
        "1123.json",
        "pants-fire",
        "Health care reform legislation is likely to mandate free sex change surgeries.",
        "health-care",
        "blog-posting",
        "",
        "",
        "none",
        "7",
        "19",
        "3",
        "5",
        "44",
        "a news release",
    ],
    [
        "9028.json",
        "barely-true",
        "The economic turnaround started at the end of my term.",
        "economy,jobs",
        "charlie-crist",
        "",
        "Florida",
        "democrat",
        "15",
        "9",
        "20",
        "19",
        "2",
        "an interview on CNN",
    ],
    [
        "12465.json",
        "true",
        "The Chicago Bears have had more starting quarterbacks than the Packers.",
        "sports",
        "robin-vos",
        "Wisconsin Assembly speaker",
        "Wisconsin",
        "republican",
        "0",
        "3",
        "2",
        "5",
        "1",
        "an online opinion-piece",
    ],
    [
        "2342.json",
        "false",
        "Jim Dunnam has not lived in the district he represents for years now.",
        "candidates-biography",
        "republican-party-texas",
        "",
        "Texas",
        "republican",
        "3",
        "1",
        "1",
        "3",
        "1",
        "a press release",
    ],
    [
        "153.json",
        "half-true",
        "I'm the only person on this stage who has worked on this issue.",
        "ethics",
        "hillary-clinton",
        "Presidential candidate",
        "New York",
        "democrat",
        "40",
        "29",
        "69",
        "76",
        "7",
        "a Democratic debate",
    ],
    [
        "5602.json",
        "true",
        "Knitting is a totally unlisted subject.",
        "knitting",
        "someone",
        "",
        "",
        "none",
        "0",
        "0",
        "0",
        "0",
        "0",
        "a test",
    ],
]


def liar(root: Path) -> dict[str, list[int]]:
    """train.tsv (7 rows + bad ones), valid.tsv (1 row), test.tsv (1 row), no header, 14 columns."""
    root.mkdir(parents=True, exist_ok=True)
    lines = ["\t".join(r) for r in LIAR_ROWS[:7]]
    lines.append("\t".join(LIAR_ROWS[0][:5]))  # line 8: shifted (5 fields), skipped
    lines.append("\t".join(["777.json", "sorta-true", *LIAR_ROWS[1][2:]]))  # line 9: bad label
    lines.append("\t".join(LIAR_ROWS[1]))  # line 10: duplicate id
    bad_tab = list(LIAR_ROWS[2])
    bad_tab[0], bad_tab[2] = "888.json", "A statement\twith a stray tab"  # line 11: repaired
    lines.append("\t".join(bad_tab))
    (root / "train.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (root / "valid.tsv").write_text("\t".join(LIAR_ROWS[7]) + "\n", encoding="utf-8")
    (root / "test.tsv").write_text("\t".join(LIAR_ROWS[8]) + "\n", encoding="utf-8")
    return {"skipped": [8, 9, 10], "repaired": [11]}


FAKEDDIT_HEADER = (
    "\tauthor\tclean_title\tcreated_utc\tdomain\thasImage\tid\timage_url\tlinked_submission_id\tnum_comments"
    "\tscore\tsubreddit\ttitle\tupvote_ratio\t2_way_label\t3_way_label\t6_way_label"
)


def _fakeddit_row(index: int, post: str, subreddit: str, title: str, labels: tuple[str, str, str]) -> str:
    fields = [
        str(index),
        "someone",
        title.lower(),
        "1551367390.0",
        "i.imgur.com",
        "True",
        post,
        f"https://i.imgur.com/{post}.jpg",
        "",
        "3.0",
        "12",
        subreddit,
        title,
        "0.9",
        *labels,
    ]
    return "\t".join(fields)


def fakeddit(root: Path) -> dict[str, list[int]]:
    """multimodal_train/validate/test_public.tsv in the release's layout, with bad rows; an image folder."""
    root.mkdir(parents=True, exist_ok=True)
    train = [
        FAKEDDIT_HEADER,
        _fakeddit_row(0, "a1", "photoshopbattles", "PsBattle: a cat on a roof", ("0", "2", "5")),  # line 2
        _fakeddit_row(1, "a2", "nottheonion", "Man sues himself", ("1", "0", "0")),
        _fakeddit_row(2, "a3", "theonion", "Area man wins", ("0", "2", "1")),
        _fakeddit_row(3, "a4", "upliftingnews", '"""Quoted"" title"', ("1", "0", "0")),  # pandas quoting
        _fakeddit_row(4, "a5", "fakealbumcovers", "Album cover", ("0", "1", "4")),
        _fakeddit_row(5, "a6", "misleadingthumbnails", "Thumbnail", ("0", "2", "2")),  # line 7
        _fakeddit_row(6, "a7", "theonion", "bad label", ("0", "2", "9")),  # line 8: bad 6-way label
        _fakeddit_row(7, "a2", "nottheonion", "duplicate", ("1", "0", "0")),  # line 9: duplicate
        "8\tsomeone\tshort row",  # line 10: shifted
    ]
    (root / "multimodal_train.tsv").write_text("\n".join(train) + "\n", encoding="utf-8")
    validate = [FAKEDDIT_HEADER, _fakeddit_row(0, "b1", "nottheonion", "Valid one", ("1", "0", "0"))]
    (root / "multimodal_validate.tsv").write_text("\n".join(validate) + "\n", encoding="utf-8")
    test = [FAKEDDIT_HEADER, _fakeddit_row(0, "c1", "theonion", "Test one", ("0", "2", "1"))]
    (root / "multimodal_test_public.tsv").write_text("\n".join(test) + "\n", encoding="utf-8")
    images = root / "public_image_set"
    images.mkdir()
    for post in ("a1", "a2", "b1"):
        (images / f"{post}.jpg").write_bytes(png((10, 200, 10)))
    return {"skipped": [8, 9, 10]}


def fakenewsnet(root: Path) -> dict[str, list[int]]:
    """The four CSVs of the release's dataset folder (with a bad id, a duplicate and a multi-line title)."""
    root.mkdir(parents=True, exist_ok=True)
    files = {
        "politifact_fake.csv": [
            "politifact15014,speedtalk.com/forum/viewtopic.php?t=51650,BREAKING: First NFL Team Declares "
            'Bankruptcy,"937349434668498944\t937379378006282240"',
            "politifact15156,politics2020.info/index.php/2018/03/13/,Court Orders Obama To Pay $400 Million,"
            '"972666281441878016\t972678396575559680"',
            'bad id!,example.com/x,Bad id row,""',  # line 4: bad id
        ],
        "politifact_real.csv": [
            "politifact14984,http://www.nfib-sbet.org/,National Federation of Independent Business,",
            'politifact12944,http://www.cq.com/doc/,"A title with a ""quote""\nand a newline",1',  # lines 3-4
        ],
        "gossipcop_fake.csv": [
            "gossipcop-2493749932,www.dailymail.co.uk/tvshowbiz/article-5874213,Did Miley Cyrus Dump Liam?,"
            '"284329075902926848\t284332744559968256"',
            "gossipcop-2493749932,www.dailymail.co.uk/dup,duplicate id,",  # line 3: duplicate
        ],
        "gossipcop_real.csv": [
            "gossipcop-882573,https://www.brides.com/story/teen-mom,Teen Mom Star Jenelle Evans' Wedding,"
            '"912371411146149888"',
        ],
    }
    for name, rows in files.items():
        (root / name).write_text("id,news_url,title,tweet_ids\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return {"skipped": [4, 3]}


def liar_bulk(root: Path, n: int, seed: int = 0) -> None:
    """``n`` well-formed LIAR rows split 80/10/10 into train/valid/test.tsv (labels drawn uniformly)."""
    import random

    rng = random.Random(seed)
    labels = ("pants-fire", "false", "barely-true", "half-true", "mostly-true", "true")
    rows = []
    for i in range(n):
        row = list(LIAR_ROWS[i % len(LIAR_ROWS)])
        row[0], row[1] = f"{i}.json", rng.choice(labels)
        rows.append("\t".join(row))
    root.mkdir(parents=True, exist_ok=True)
    cut1, cut2 = int(n * 0.8), int(n * 0.9)
    for name, part in (("train", rows[:cut1]), ("valid", rows[cut1:cut2]), ("test", rows[cut2:])):
        (root / f"{name}.tsv").write_text("\n".join(part) + "\n", encoding="utf-8")
