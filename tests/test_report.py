"""The merchant loop report: formats, filters, the merchant view, escaping and errors."""

from __future__ import annotations

import csv
import html
import re
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from loop.rank import RANKING_COLUMNS
from loop.report import ReportError, write_report
from loopmap.build import build
from loopmap.importer import import_files
from loopmap.store import Workspace

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
EVIL_ID = "sh-m-evil"
EVIL_NAME = "<script>window.__pwned=1</script>"


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The 2,000-note sample, built, with one merchant whose name is a script."""
    root = tmp_path_factory.mktemp("report")
    places = root / "places.csv"
    shutil.copy(SAMPLE / "places.csv", places)
    with places.open("a", newline="", encoding="utf-8") as f:
        csv.writer(f).writerow(
            [EVIL_ID, EVIL_NAME, "", "merchant", "coffee", "上海", "", "31.2200", "121.4450"]
        )
    path = root / "sample.db"
    with Workspace(path) as ws:
        import_files(ws, [places, SAMPLE / "notes.jsonl", SAMPLE / "events.csv"])
        build(ws)
    yield path


@pytest.fixture(scope="module")
def ranking(db: Path) -> list[sqlite3.Row]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute("SELECT * FROM ranking ORDER BY rank").fetchall()
    finally:
        conn.close()


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_csv_has_the_ranking_columns(db: Path, ranking: list[sqlite3.Row], tmp_path: Path) -> None:
    summary = write_report(db, tmp_path / "r.csv")
    assert summary == {
        "rows": len(ranking),
        "merchants": len(ranking),
        "flagged": sum(r["flagged"] for r in ranking),
        "path": str(tmp_path / "r.csv"),
        "format": "csv",
    }
    with (tmp_path / "r.csv").open(encoding="utf-8") as f:
        assert next(csv.reader(f)) == RANKING_COLUMNS
    rows = _read_csv(tmp_path / "r.csv")
    assert [r["merchant_id"] for r in rows] == [r["merchant_id"] for r in ranking]
    assert [int(r["rank"]) for r in rows] == sorted(int(r["rank"]) for r in rows)
    assert any(r["name"] == EVIL_NAME for r in rows)  # CSV keeps the data as is


def test_csv_filters(db: Path, ranking: list[sqlite3.Row], tmp_path: Path) -> None:
    write_report(db, tmp_path / "coffee.csv", topic="coffee")
    rows = _read_csv(tmp_path / "coffee.csv")
    assert rows and {r["topic"] for r in rows} == {"coffee"}
    assert len(rows) == sum(r["topic"] == "coffee" for r in ranking)

    write_report(db, tmp_path / "hz.csv", city="杭州")
    hz = {r["merchant_id"] for r in _read_csv(tmp_path / "hz.csv")}
    assert hz and all(m.startswith("hz-") for m in hz)

    first = ranking[0]["merchant_id"]
    summary = write_report(db, tmp_path / "one.csv", merchant=first)
    assert summary["rows"] == 1
    assert [r["merchant_id"] for r in _read_csv(tmp_path / "one.csv")] == [first]


def test_markdown_sections(db: Path, ranking: list[sqlite3.Row], tmp_path: Path) -> None:
    summary = write_report(db, tmp_path / "r.md", top=5)
    assert summary["rows"] == 5 and summary["format"] == "md"
    text = (tmp_path / "r.md").read_text(encoding="utf-8")
    for heading in ("## Overview", "## Ranking", "## Merchants", "#### Loop funnel"):
        assert heading in text
    for heading in ("#### Score parts", "#### Conversions", "#### Time to visit", "#### Flags"):
        assert text.count(heading) == 5
    assert f"- Merchants: {len(ranking)}" in text
    assert f"- Flagged: {sum(r['flagged'] for r in ranking)}" in text
    assert "Attribution rules:" in text and "14 days" in text
    table = [line for line in text.splitlines() if line.startswith("| ") and "| FLAGGED" in line]
    assert len(table) == sum(r["flagged"] for r in ranking[:5])
    assert ranking[5]["merchant_id"] not in text


def test_markdown_escapes_pipes(db: Path, tmp_path: Path) -> None:
    # a name with a pipe must not split its table row
    bad = tmp_path / "pipe.db"
    shutil.copy(db, bad)
    conn = sqlite3.connect(bad)
    with conn:
        conn.execute("UPDATE ranking SET name = 'A|B' WHERE rank = 1")
    conn.close()
    write_report(bad, tmp_path / "pipe.md", top=3)
    text = (tmp_path / "pipe.md").read_text(encoding="utf-8")
    row = next(line for line in text.splitlines() if "A\\|B" in line and line.startswith("| 1 "))
    assert len(re.findall(r"(?<!\\)\|", row)) == 16  # 15 columns


def test_flagged_merchant_view_explains_parts(
    db: Path, ranking: list[sqlite3.Row], tmp_path: Path
) -> None:
    flagged = next(r for r in ranking if r["flagged"])
    write_report(db, tmp_path / "m.md", merchant=flagged["merchant_id"])
    text = (tmp_path / "m.md").read_text(encoding="utf-8")
    assert f"Score {flagged['score']:.2f} = " in text
    assert re.search(r"Your visit-to-share rate \d\.\d+ is (above|below|at) the \w+ median", text)
    assert "Flagged: " in text and flagged["reasons"].split(":")[0] in text
    assert "(flag)" in text and "-3.00" in text
    assert "What drives your loop" in text or "What holds it back" in text
    assert len(re.findall(r"^### ", text, flags=re.M)) == 1


def test_merchant_view_compares_with_topic_median(db: Path, ranking: list[sqlite3.Row]) -> None:
    import statistics

    top = ranking[0]
    topic = [r for r in ranking if r["topic"] == top["topic"]]
    med = statistics.median(r["visit_to_share"] or 0.0 for r in topic)
    out = db.parent / "top.md"
    write_report(db, out, merchant=top["merchant_id"])
    text = out.read_text(encoding="utf-8")
    where = "above" if top["visit_to_share"] > med else "below"
    assert f"visit-to-share rate {top['visit_to_share']:.2f} is {where} the {top['topic']}" in text
    assert f"median {med:.2f}" in text or f"median {med:.3f}" in text


def test_html_is_self_contained_and_escaped(db: Path, tmp_path: Path) -> None:
    summary = write_report(db, tmp_path / "r.html", top=300)
    assert summary["format"] == "html"
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert page.count("<script") >= 2  # plotly.js inline, then the figures
    assert "Plotly.newPlot" in page and "plotly.js" in page.lower()
    assert "https://cdn" not in page
    assert not re.search(r"""<(script|link|img|iframe)[^>]*(src|href)=["']?(https?:)?//""", page)
    assert EVIL_NAME not in page
    assert html.escape(EVIL_NAME) in page
    assert page.count('class="merchant"') == summary["rows"]


def test_html_merchant_view(db: Path, tmp_path: Path) -> None:
    summary = write_report(db, tmp_path / "evil.html", merchant=EVIL_ID)
    assert summary["rows"] == 1
    page = (tmp_path / "evil.html").read_text(encoding="utf-8")
    assert EVIL_NAME not in page
    assert f"<h1>Merchant loop report: {html.escape(EVIL_NAME)}</h1>" in page
    for div in ("m0-funnel", "m0-parts", "m0-hours", "m0-map"):
        assert f'id="{div}"' in page
    assert "What holds it back" in page or "What drives your loop" in page


@pytest.mark.parametrize(
    ("kwargs", "out", "match"),
    [
        ({}, "r.pdf", r"unknown report format '\.pdf'.*\.html, \.md or \.csv"),
        ({}, "r", r"no suffix"),
        ({"topic": "karaoke"}, "r.md", r"unknown topic 'karaoke'.*coffee"),
        ({"merchant": "nope"}, "r.html", r"unknown merchant id 'nope'"),
        ({"city": "Atlantis"}, "r.csv", r"Atlantis.*上海"),
        ({"top": 0}, "r.md", r"top must be at least 1"),
    ],
)
def test_errors(db: Path, tmp_path: Path, kwargs: dict[str, str], out: str, match: str) -> None:
    with pytest.raises(ReportError, match=match):
        write_report(db, tmp_path / out, **kwargs)  # type: ignore[arg-type]
    assert not (tmp_path / out).exists()


def test_unbuilt_workspace(tmp_path: Path) -> None:
    with Workspace(tmp_path / "empty.db"):
        pass
    with pytest.raises(ReportError, match="run `loopmap build`"):
        write_report(tmp_path / "empty.db", tmp_path / "r.md")
    with pytest.raises(ReportError, match="run `loopmap build`"):
        write_report(tmp_path / "missing.db", tmp_path / "r.md")
    assert issubclass(ReportError, ValueError)


def test_workspace_is_opened_read_only(db: Path, tmp_path: Path) -> None:
    before = db.stat().st_mtime_ns
    write_report(db, tmp_path / "r.md", top=2)
    assert db.stat().st_mtime_ns == before


_CHROMIUM = Path("/usr/bin/chromium")
_CHROMEDRIVER = Path("/usr/bin/chromedriver")


@pytest.mark.skipif(
    not (_CHROMIUM.exists() and _CHROMEDRIVER.exists()),
    reason="needs Debian chromium and chromedriver (/usr/bin/chromium, /usr/bin/chromedriver)",
)
def test_html_renders_offline(db: Path, tmp_path: Path) -> None:
    webdriver = pytest.importorskip("selenium.webdriver", reason="needs selenium")
    write_report(db, tmp_path / "evil.html", merchant=EVIL_ID)
    options = webdriver.ChromeOptions()
    options.binary_location = str(_CHROMIUM)
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--proxy-server=127.0.0.1:9",  # no network: every outside request fails
        f"--user-data-dir={tmp_path / 'profile'}",
    ):
        options.add_argument(arg)
    service = webdriver.ChromeService(executable_path=str(_CHROMEDRIVER))
    driver = webdriver.Chrome(options=options, service=service)
    try:
        driver.get((tmp_path / "evil.html").as_uri())
        plots = driver.execute_script("return document.querySelectorAll('.js-plotly-plot').length")
        pwned = driver.execute_script("return window.__pwned === undefined ? 0 : 1")
        title = driver.execute_script("return document.querySelector('h1').textContent")
    finally:
        driver.quit()
    assert plots == 4
    assert pwned == 0
    assert EVIL_NAME in title  # shown as text, not run
