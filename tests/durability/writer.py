"""A child process for the durability tests: penmark's write path, reporting what it was told.

    python writer.py ops DB SEED ANNOTATOR [--creates N] [--go FILE] [--pause MS] [--app]
    python writer.py export DB TARGET

``ops`` opens the store and makes random changes (create, retag, note, delete) for ever, or until
it created ``--creates`` annotations; with ``--go`` it starts once that file exists; ``--pause``
waits up to that many milliseconds between saves, as a person would (a writer that saves back to
back takes the lock again before a waiting one's busy handler wakes, so others wait their turn). Before each call it prints an ``intent`` line; right after the call returns
(the commit is acknowledged) it prints an ``ack`` line with the annotation's whole state. Each line
is flushed at once, so a SIGKILL at any moment leaves on stdout exactly what was acknowledged (plus
at most one intent whose call may or may not have committed). ``--app`` runs the store as the app
does: no automatic checkpoints, a maintenance thread checkpointing and merging (here very often).

``export`` prints ``ready``, writes a jsonl export to TARGET (replacing it) and prints ``done``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import random
import re
import sys
import time


def say(line: dict | str) -> None:
    sys.stdout.write((line if isinstance(line, str) else json.dumps(line, ensure_ascii=False)) + "\n")
    sys.stdout.flush()


NOTES = ["", "checked against the wire copy", "source? 🤔", "two\nlines", "naïve café", "👩🏽‍🔬 said so"]


def ops(path: str, seed: int, annotator: str, creates: int | None, go: str | None, pause: float,
        app: bool) -> None:
    from annotations.store import Store

    rng = random.Random(seed)
    store = Store.open(path, annotator=annotator, autocheckpoint=not app)
    maintenance = None
    if app:
        from annotations.maintenance import Maintenance

        maintenance = Maintenance(path, interval=0.005, idle=0.01, checkpoint_every=5).start()
        store.commit_hooks.append(maintenance.committed)
    tags = [tag.name for tag in store.tags()]
    words = {}
    for article in store.articles():
        text = store.article(article.id).text
        words[article.id] = [m.span() for m in re.finditer(r"\S+(?: \S+){0,3}", text)]
    # Warm up what the first save would load lazily (the grapheme rules), so kills land in saves.
    from annotations.store import check_span

    for article_id, spans in words.items():
        check_span(store.article(article_id).text, *spans[0])
    live = {note.id: note for note in store.annotations() if note.annotator == annotator}
    say("ready")
    while go and not os.path.exists(go):
        time.sleep(0.001)
    done = created = 0
    while creates is None or created < creates:
        if pause:
            time.sleep(rng.uniform(0, pause / 1000))
        choice = rng.choice(["create"] * 4 + ["retag", "note", "note", "delete"] if live else ["create"])
        if choice == "create":
            article_id = rng.choice(sorted(words))
            start, end = rng.choice(words[article_id])
            tag = rng.choice(tags)
            say({"intent": "create", "article_id": article_id, "start": start, "end": end, "tag": tag})
            note = store.create(article_id, start, end, tag)
            created += 1
        else:
            target = live[rng.choice(sorted(live))]
            if choice == "retag":
                tag = rng.choice([t for t in tags if t != target.tag])
                say({"intent": "retag", "id": target.id, "tag": tag})
                note = store.retag(target.id, tag, expected_version=target.version)
            elif choice == "note":
                text = rng.choice(NOTES) + f" #{done}"
                say({"intent": "note", "id": target.id, "note": text})
                note = store.set_note(target.id, text, expected_version=target.version)
            else:
                say({"intent": "delete", "id": target.id})
                note = store.delete(target.id, expected_version=target.version)
        say({"ack": choice, "state": dataclasses.asdict(note)})
        if note.deleted is None:
            live[note.id] = note
        else:
            live.pop(note.id, None)
        done += 1
    if maintenance is not None:
        maintenance.stop()
    store.close()


def export(path: str, target: str) -> None:
    from annotations.datasets.export import export as write
    from annotations.store import Store

    store = Store.open(path)
    say("ready")
    write(store, "jsonl", target, force=True)
    say("done")
    store.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    modes = parser.add_subparsers(dest="mode", required=True)
    sub = modes.add_parser("ops")
    sub.add_argument("db")
    sub.add_argument("seed", type=int)
    sub.add_argument("annotator")
    sub.add_argument("--creates", type=int)
    sub.add_argument("--go")
    sub.add_argument("--pause", type=float, default=0)
    sub.add_argument("--app", action="store_true")
    sub = modes.add_parser("export")
    sub.add_argument("db")
    sub.add_argument("target")
    args = parser.parse_args()
    if args.mode == "ops":
        ops(args.db, args.seed, args.annotator, args.creates, args.go, args.pause, args.app)
    else:
        export(args.db, args.target)


if __name__ == "__main__":
    main()
