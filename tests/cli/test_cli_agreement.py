"""`penmark agreement` end to end in a subprocess: the table, --json, --tag, --annotators, errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from annotations.agreement import agreement, report_dict
from annotations.store import Store

REPO = Path(__file__).resolve().parents[2]
TEXT = "Alpha beta gamma. Delta epsilon zeta eta.\nTheta iota kappa lambda. Mu nu xi omicron pi."
HOSTILE = "mallory\x1b]0;pwned\x07\u202e\x85"


class Penmark:
    """Runs `python -m tui --db DB ...` with no inherited PENMARK_ settings (as in test_cli.py)."""

    def __init__(self, db: Path, home: Path) -> None:
        self.db = db
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("PENMARK_")}
        self.env.update(PENMARK_ANNOTATOR="cli-tester", HOME=str(home), XDG_DATA_HOME=str(home / "data"))

    def __call__(self, *args: str, check: int | None = 0) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, "-m", "tui", "--db", str(self.db), *args],
            cwd=REPO, env=self.env, capture_output=True, text=True, timeout=60, check=False,
        )
        if check is not None:
            assert done.returncode == check, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
        return done


@pytest.fixture
def penmark(tmp_path: Path) -> Penmark:
    return Penmark(tmp_path / "p.db", tmp_path / "home")


def fill(db: Path, spans: dict[str, list[tuple[int, int, str]]], *, second: dict[str, list] | None = None) -> None:
    store = Store.open(db)
    try:
        articles = [store.add_article(TEXT, "First article").article.id]
        if second is not None:
            articles.append(store.add_article("Kim said the test was a success. Others disagree.", "Second").article.id)
        for article, by_name in zip(articles, [spans, second or {}], strict=False):
            for name, chosen in by_name.items():
                store.annotator = name
                for start, end, tag in chosen:
                    store.create(article, start, end, tag)
    finally:
        store.close()


def test_table_per_tag_pair_group_and_article(penmark: Penmark) -> None:
    fill(penmark.db, {
        "alice": [(0, 16, "claim"), (42, 66, "quote")],
        "bob": [(0, 16, "claim"), (42, 87, "quote")],
        "carol": [(0, 16, "claim")],
    }, second={"alice": [(0, 32, "quote")], "bob": [(33, 49, "opinion")]})
    done = penmark("agreement")
    assert done.stderr == ""
    lines = done.stdout.splitlines()
    assert lines[0] == "2 articles worked on by at least two of: alice, bob, carol"
    header = lines[2]
    assert header.split() == ["tag", "annotators", "articles", "tokens", "exact", "F1", "overlap", "F1",
                              "kappa", "alpha"]
    cut, end = header.index("annotators"), header.index("articles")
    rows = {(line[:cut].strip(), line[cut:end].strip()): line for line in lines[3 : lines.index("", 3)]}
    assert set(rows) >= {("all tags", "alice + bob"), ("all tags", "all 3"), ("claim", "bob + carol"),
                         ("quote", "alice + carol"), ("opinion", "all 3")}
    # every figure column is right-aligned under its header
    for line in rows.values():
        assert len(line) == len(header)
    claim = rows["claim", "alice + bob"].split()
    assert claim[-4:] == ["1.00", "1.00", "1.00", "1.00"]
    everything = rows["all tags", "alice + bob"].split()
    assert everything[5:7] == ["2", "31"]  # both articles: 20 + 11 tokens
    assert everything[7:9] == ["0.33", "0.67"]  # exact 1 of 3 + 3; overlap 2 of them
    assert rows["all tags", "all 3"].split()[-2] == "-"  # kappa is for pairs
    table = lines[lines.index("articles, worst first:") + 1 :]
    assert table[0].split()[:5] == ["alpha", "overlap", "F1", "exact", "F1"]
    assert table[1].endswith("Second") and table[2].endswith("First article")  # worst first
    assert table[1].split()[3] == "1/1/-" and table[2].split()[3] == "2/2/1"


def test_json_matches_the_core(penmark: Penmark) -> None:
    fill(penmark.db, {"alice": [(0, 16, "claim"), (18, 41, "opinion")], "bob": [(6, 16, "claim")]})
    done = penmark("agreement", "--json")
    shown = json.loads(done.stdout)
    store = Store.open(penmark.db)
    try:
        assert shown == json.loads(json.dumps(report_dict(agreement(store))))
    finally:
        store.close()
    pair = shown["overall"]["pairs"][0]
    assert pair["annotators"] == ["alice", "bob"] and pair["exact"]["f1"] == 0.0
    assert pair["overlap"] == {"matched": 1, "spans": 3, "f1": pytest.approx(2 / 3)}
    assert [s["tag"] for s in shown["by_tag"]] == ["claim", "opinion"]
    assert shown["articles"][0]["spans"] == {"alice": 2, "bob": 1}


def test_one_tag_and_chosen_annotators(penmark: Penmark) -> None:
    fill(penmark.db, {"alice": [(0, 16, "claim"), (18, 41, "quote")], "bob": [(0, 16, "claim")],
                      "carol": [(18, 41, "quote")]})
    shown = json.loads(penmark("agreement", "--annotators", "alice, carol", "--tag", "quote", "--json").stdout)
    assert shown["annotators"] == ["alice", "carol"] and shown["tag"] == "quote" and shown["by_tag"] == []
    pair = shown["overall"]["pairs"][0]
    assert (pair["exact"]["f1"], pair["kappa"], pair["alpha"]) == (1.0, 1.0, 1.0)
    lines = penmark("agreement", "--annotators", "alice,bob", "--tag", "quote").stdout.splitlines()
    assert lines[3].split()[:8] == ["quote", "alice", "+", "bob", "1", "20", "0.00", "0.00"]


@pytest.mark.parametrize(("args", "message"), [
    (("--annotators", "alice,zed"), "penmark: unknown annotator 'zed' (annotators here: alice, bob)"),
    (("--tag", "nope"), "penmark: unknown tag 'nope' (the tag set has: claim, opinion, quote, call-to-action)"),
    (("--annotators", "alice"), "penmark: agreement needs at least two annotators with annotations (found: alice)"),
])
def test_errors_are_one_line_and_exit_2(penmark: Penmark, args: tuple[str, ...], message: str) -> None:
    fill(penmark.db, {"alice": [(0, 16, "claim")], "bob": [(0, 16, "claim")]})
    done = penmark("agreement", *args, check=2)
    assert done.stderr.splitlines() == [message] and done.stdout == ""


def test_a_single_annotator_is_an_error(penmark: Penmark) -> None:
    fill(penmark.db, {"alice": [(0, 16, "claim")]})
    done = penmark("agreement", check=2)
    assert done.stderr == "penmark: agreement needs at least two annotators with annotations (found: alice)\n"


def test_hostile_annotator_names_are_made_visible(penmark: Penmark) -> None:
    fill(penmark.db, {"alice": [(0, 16, "claim")], HOSTILE: [(0, 16, "claim")]})
    table = penmark("agreement").stdout
    json_out = penmark("agreement", "--json").stdout
    for shown in (table, json_out):
        assert "\x1b" not in shown and "\x07" not in shown and "\u202e" not in shown and "\x85" not in shown
    assert "mallory␛]0;pwned␇⇆" in table
    assert json.loads(json_out)["annotators"] == ["alice", HOSTILE]


def test_gold_is_left_out_unless_named(penmark: Penmark) -> None:
    fill(penmark.db, {"alice": [(0, 16, "claim")], "bob": [(6, 16, "claim")], "gold": [(0, 16, "claim")]})
    done = penmark("agreement")
    assert done.stdout.splitlines()[0] == "1 article worked on by at least two of: alice, bob"
    assert "gold" not in done.stdout
    against = penmark("agreement", "--annotators", "alice,gold")
    assert against.stdout.splitlines()[0] == "1 article worked on by at least two of: alice, gold"
    assert "alice + gold" in against.stdout


def test_adjudicate_refuses_an_annotator_without_annotations_there(penmark: Penmark) -> None:
    fill(penmark.db, {"alice": [(0, 16, "claim")], "bob": [(6, 16, "claim")]})
    done = penmark("adjudicate", "First", "alice", "bbo", check=2)
    assert done.stdout == ""
    assert done.stderr.splitlines() == [done.stderr.strip()]
    assert "no annotations by 'bbo' on article" in done.stderr
    assert done.stderr.strip().endswith("(annotators with annotations on it: alice, bob)")
