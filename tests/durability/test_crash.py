"""Crash safety: a writer killed with SIGKILL at random moments loses nothing it acknowledged, and
an export killed mid-write leaves the old file or the complete new one, never a torn one.

A SIGKILL stops the process, not the machine: what was written to the operating system survives
it. These tests prove penmark never acknowledges before its commit, never leaves a database that
fails its own checks, and never writes a target in place; power loss is out of their reach.
"""

from __future__ import annotations

import random
import time
from pathlib import Path

from durability_kit import (
    annotation_rows,
    assert_sound,
    connect,
    kill,
    make_corpus,
    parse_log,
    spawn,
    wait_for_line,
)

from annotations.datasets.export import export
from annotations.store import NewArticle, Store

SEED = 20240611
TRIALS = 24
EXPORT_TRIALS = 20


def _applied(intent: dict, before: dict | None, row: dict) -> bool:
    """Whether ``row`` is exactly ``before`` with the interrupted ``intent`` committed."""
    if intent["intent"] == "create":
        return before is None and row["version"] == 1 and row["deleted"] is None and all(
            row[key] == intent[key] for key in ("article_id", "start", "end", "tag"))
    if before is None or row["version"] != before["version"] + 1:
        return False
    changed = {"retag": {"tag": intent.get("tag")}, "note": {"note": intent.get("note")},
               "delete": {"deleted": row["deleted"]}}[intent["intent"]]
    if intent["intent"] == "delete" and row["deleted"] is None:
        return False
    return row == {**before, **changed, "version": row["version"], "updated": row["updated"]}


def test_killed_writer_keeps_every_acknowledged_save(corpus_db: Path, tmp_path: Path) -> None:
    rng = random.Random(SEED)
    expected: dict[str, dict] = {}  # id -> last acknowledged (or since verified) state
    events = 0  # changes known committed
    interrupted = 0
    for trial in range(TRIALS):
        out, err = tmp_path / f"out{trial}.txt", tmp_path / f"err{trial}.txt"
        # A third of the trials run the store as the app does (checkpoints and index merges on a
        # maintenance thread, here every few commits), so some kills land inside those.
        app = ["--app"] if trial % 3 == 2 else []
        proc = spawn("ops", str(corpus_db), str(SEED + trial), f"annotator-{trial % 2}", *app, out=out, err=err)
        wait_for_line(proc, out, err, "ready")
        # A random moment: after a random number of saves (so every trial writes, however slow
        # the disk), then a random fraction of a save's time further.
        saves = rng.randrange(12)
        while out.read_bytes().count(b'{"ack"') < saves and proc.poll() is None:
            time.sleep(0.0005)
        time.sleep(rng.uniform(0, 0.004))
        assert kill(proc, err), "the writer stopped on its own"

        acks, pending = parse_log(out.read_text(encoding="utf-8"))
        for state in acks:
            expected[state["id"]] = state
        conn = connect(corpus_db)
        try:
            assert_sound(conn)
            rows = annotation_rows(conn)
            logged = conn.execute("SELECT count(*) FROM events").fetchone()[0]
        finally:
            conn.close()

        lost = sorted(set(expected) - set(rows))
        assert not lost, f"trial {trial}: acknowledged annotations missing after the kill: {lost}"
        moved = {i for i in expected if rows[i] != expected[i]} | (set(rows) - set(expected))
        if pending is None:
            assert not moved, f"trial {trial}: rows differ from what was acknowledged: {sorted(moved)}"
        else:
            interrupted += 1
            # The call in flight may have committed (killed before it could say so), or not.
            assert len(moved) <= 1, f"trial {trial}: more than the call in flight changed: {sorted(moved)}"
            for note_id in moved:
                assert _applied(pending, expected.get(note_id), rows[note_id]), (
                    f"trial {trial}: {note_id} is neither its acknowledged state nor {pending}: {rows[note_id]}")
        events += len(acks) + len(moved)
        assert logged == events, f"trial {trial}: {logged} events logged, {events} changes committed"
        expected = rows

    assert interrupted >= TRIALS // 2, "too few kills landed inside a save to prove anything"
    assert events >= 3 * TRIALS and len(expected) >= TRIALS, f"too little was written: {events} changes"
    # And penmark itself reopens it: every annotation still slices its text to its quote.
    store = Store.open(corpus_db)
    try:
        assert store.mismatches() == []
        assert {note.id for note in store.annotations(include_deleted=True)} == set(expected)
    finally:
        store.close()


# --- an export killed mid-write ------------------------------------------------------------------


def _big_corpus(path: Path, rng: random.Random) -> Store:
    """Enough text (about 5 MB of jsonl) that a kill often lands while the export writes."""
    store = make_corpus(path)
    words = ["the", "minister", "said", "on", "tuesday", "that", "tests", "would", "continue", "despite",
             "sanctions", "👨‍👩‍👧", "naïve", "café"]
    store.add_articles(
        NewArticle("Report: " + " ".join(rng.choice(words) for _ in range(4000)), f"Bulk {n}", id=f"bulk{n:03d}")
        for n in range(120)
    )
    for note in range(30):
        store.create(f"bulk{note:03d}", 0, 6, "claim", note=f"first pass {note}")
    return store


def _leftovers(folder: Path, target: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.name.startswith(f".{target.name}."))


def test_killed_export_leaves_old_or_complete_file(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    db = tmp_path / "big.db"
    store = _big_corpus(db, rng)
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / "dataset.jsonl"
    try:
        export(store, "jsonl", target)
        old = target.read_bytes()
        store.create("prose", 4, 12, "opinion", note="a later pass")  # the new export differs
        started = time.perf_counter()
        export(store, "jsonl", tmp_path / "reference.jsonl")
        took = time.perf_counter() - started
    finally:
        store.close()
    new = (tmp_path / "reference.jsonl").read_bytes()
    assert old != new and len(new) > 3_000_000

    outcomes = {"old": 0, "new": 0, "absent": 0, "torn part files": 0}
    for trial in range(EXPORT_TRIALS):
        fresh = trial % 6 == 5  # now and then there is no old file to keep
        if fresh:
            target.unlink(missing_ok=True)
        else:
            target.write_bytes(old)
        for part in _leftovers(folder, target):
            part.unlink()
        out, err = tmp_path / f"export{trial}.txt", tmp_path / f"export{trial}.err"
        proc = spawn("export", str(db), str(target), out=out, err=err)
        wait_for_line(proc, out, err, "ready")
        if trial % 2:  # at a random moment of the export (or just after it)
            time.sleep(rng.uniform(0, took * 1.2))
        else:  # once the part file holds a random share of the export
            share = rng.uniform(0.05, 0.95) * len(new)
            while proc.poll() is None and not any(p.stat().st_size >= share for p in _leftovers(folder, target)):
                time.sleep(0.0005)
        if not kill(proc, err):  # it finished first: then it must have written the new file
            assert target.read_bytes() == new and not _leftovers(folder, target)
            outcomes["new"] += 1
            continue
        if not target.exists():
            assert fresh, f"trial {trial}: the old file vanished"
            outcomes["absent"] += 1
        else:
            found = target.read_bytes()
            assert found == new or (found == old and not fresh), (
                f"trial {trial}: the target is neither the old file nor the complete new one "
                f"({len(found)} bytes; old {len(old)}, new {len(new)})")
            outcomes["new" if found == new else "old"] += 1
        # A SIGKILL gives no chance to clean up: the hidden part file may stay, beside the target.
        outcomes["torn part files"] += len(_leftovers(folder, target))
        assert sorted(p.name for p in folder.iterdir() if not p.name.startswith(".")) == (
            [] if not target.exists() else [target.name])
    assert outcomes["torn part files"] >= EXPORT_TRIALS // 3, f"too few kills landed mid-write: {outcomes}"
