"""The `penmark` command line. Imports stay lazy: `penmark list` never loads Textual."""

from __future__ import annotations

import argparse
import getpass
import os
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path

from annotations import __version__
from annotations.errors import PenmarkError
from annotations.safe import json_text, visible

DB_ENV = "PENMARK_DB"
ANNOTATOR_ENV = "PENMARK_ANNOTATOR"
# Kept here, not imported from annotations.datasets, so `penmark --help` stays fast.
DATASET_EXPORTS = ("jsonl", "doccano", "spacy", "labelstudio", "brat", "w3c", "csv", "conll")
DATASET_IMPORTS = ("jsonl", "doccano", "spacy", "labelstudio", "w3c", "brat")


def default_db() -> Path:
    from platformdirs import user_data_path

    return user_data_path("penmark", appauthor=False) / "penmark.db"


def default_annotator() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name (some containers)
        return "anonymous"


def out(text: str = "") -> None:
    """Print untrusted text (titles, file names) with control characters made visible."""
    print(visible(text))


def err(text: str) -> None:
    print(f"penmark: {visible(text, one_line=True)}", file=sys.stderr)


# --- commands -----------------------------------------------------------------------------


def open_store(args: argparse.Namespace, *, autocheckpoint: bool = True):  # -> Store (imported lazily)
    from annotations.store import Store

    path = args.db or os.environ.get(DB_ENV) or None
    if path is None:
        path = default_db()
        path.parent.mkdir(parents=True, exist_ok=True)
    annotator = args.annotator or os.environ.get(ANNOTATOR_ENV) or default_annotator()
    return Store.open(path, annotator=annotator, autocheckpoint=autocheckpoint)


def cmd_import(args: argparse.Namespace) -> int:
    if args.format:
        return _import_datasets(args)
    from annotations.importer import import_paths

    store = open_store(args)
    try:
        report = _with_progress("importing", lambda progress: import_paths(
            store,
            args.paths,
            max_bytes=int(args.max_mb * 1_000_000),
            replace_invalid=args.replace_invalid,
            progress=progress,
        ))
    finally:
        store.close()
    for refusal in report.refused:
        err(str(refusal))
    out(
        f"imported {len(report.added)} article{'s' * (len(report.added) != 1)}"
        + (f", {len(report.already_present)} already present" if report.already_present else "")
        + (f", {len(report.updated)} updated to a new version" if report.updated else "")
        + (f", {len(report.refused)} refused" if report.refused else "")
    )
    for article, counts in report.updated:
        review = counts["fuzzy"] + counts["orphan"]
        out(visible(f"updated {article.id} ({article.title}): annotations {counts['exact']} exact, "
                    f"{counts['fuzzy']} fuzzy, {counts['orphan']} orphaned"
                    + (f"; review {review} in the reader (R)" if review else ""), one_line=True))
    return 0 if report.ok else 1


def _import_datasets(args: argparse.Namespace) -> int:
    """Each dataset file in one transaction: a bad one is reported and leaves nothing behind."""
    from annotations.datasets.load import import_dataset

    store = open_store(args)
    failed = False
    try:
        for path in args.paths:
            try:
                report = import_dataset(store, args.format, path)
            except PenmarkError as error:
                err(str(error))
                failed = True
                continue
            out(f"{path}: imported {_many(report.annotations_added, 'annotation')}"
                + (f" ({report.annotations_present:,} already present)" if report.annotations_present else "")
                + f" on {_many(report.articles_added, 'new article')}"
                + (f" and {report.articles_present:,} already here" if report.articles_present else ""))
            if report.tags_added:
                out(f"{path}: added tags the file uses: {', '.join(report.tags_added)}")
            if report.tags_kept:
                out(f"{path}: kept this database's settings for tags the file defines otherwise: "
                    f"{', '.join(report.tags_kept)}")
    finally:
        store.close()
    return 1 if failed else 0


def _many(n: int, noun: str) -> str:
    """``1 annotation``, ``2 annotations``, ``1,000 articles``."""
    return f"{n:,} {noun}{'s' * (n != 1)}"


def _with_progress(label: str, run: Callable[[Callable[[int, int], None] | None], object]):
    """Run an import or export with a progress bar on an interactive terminal, once it has many items."""
    if not sys.stderr.isatty():
        return run(None)
    from rich.progress import Progress

    with Progress(transient=True) as bar:
        task = bar.add_task(label, total=None)

        def progress(done: int, total: int) -> None:
            if total >= 20:
                bar.update(task, completed=done, total=total)

        return run(progress)


def cmd_export(args: argparse.Namespace) -> int:
    from annotations.datasets.export import export
    from annotations.datasets.records import Filters

    store = open_store(args)
    try:
        filters = Filters(
            tags=tuple(args.tags or ()),
            annotators=tuple(args.only_annotators or ()),
            articles=tuple(resolve_article(store, ref) for ref in args.article_refs or ()),
        )
        report = _with_progress("exporting", lambda progress: export(
            store, args.format, args.output, filters=filters, force=args.force, progress=progress
        ))
    finally:
        store.close()
    for line in report.left_out:
        err(f"left out {line}")
    where = "standard output" if args.output in (None, "-") else args.output
    # The summary goes to standard error: standard output may be the export itself.
    err(f"exported {_many(report.annotations, 'annotation')} of {_many(report.articles, 'article')} "
        f"as {args.format} to {where}"
        + (f"; {len(report.left_out):,} left out (above)" if report.left_out else ""))
    return 0 if report.ok else 1


def cmd_list(args: argparse.Namespace) -> int:
    store = open_store(args)
    try:
        tags = [tag.name for tag in store.tags()]
        articles = store.articles()
    finally:
        store.close()
    if args.json:
        for article in articles:
            print(json_text({"id": article.id, "title": article.title, "source": article.source,
                             "length": article.length, "status": article.status, "annotations": article.counts}))
        return 0
    if not articles:
        out("no articles yet: penmark import PATH")
        return 0
    header = ["id", "status", *tags, "title"]
    rows = [[a.id, a.status, *(str(a.counts.get(t, 0)) for t in tags), a.title] for a in articles]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header[:-1])]
    for row in [header, *rows]:
        cells = [cell.rjust(w) if i >= 2 else cell.ljust(w) for i, (cell, w) in enumerate(zip(row, widths))]
        out(visible("  ".join([*cells, row[-1]]), one_line=True))
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    store = open_store(args)
    try:
        stats = store.stats()
    finally:
        store.close()
    if args.json:
        print(json_text(stats, indent=2))
        return 0
    for key, value in stats.items():
        if isinstance(value, dict):
            out(f"{key.replace('_', ' ')}:")
            for name, count in value.items():
                out(visible(f"  {name}: {count}", one_line=True))
        else:
            out(visible(f"{key.replace('_', ' ')}: {value}", one_line=True))
    return 0


def cmd_agreement(args: argparse.Namespace) -> int:
    from annotations.agreement import agreement, report_dict

    names = [name.strip() for name in args.annotators.split(",") if name.strip()] if args.annotators else None
    store = open_store(args)
    try:
        report = agreement(store, names, args.tag)
    finally:
        store.close()
    if report.left_out:
        err(f"left out {report.left_out:,} orphaned or stale annotations (penmark check names them)")
    if args.json:
        print(json_text(report_dict(report), indent=2))
        return 0

    def figure(value: float | None) -> str:
        return "-" if value is None else f"{value:.2f}".replace("-0.00", "0.00")

    def table(header: list[str], rows: list[list[str]], *, left: int, right: int | None = None) -> None:
        """Aligned columns: those from ``left`` up to ``right`` (default: the end) to the right."""
        right = len(header) if right is None else right
        widths = [max([len(header[i]), *(len(r[i]) for r in rows)]) for i in range(len(header))]
        for row in [header, *rows]:
            cells = [cell.rjust(w) if left <= i < right else cell.ljust(w)
                     for i, (cell, w) in enumerate(zip(row, widths, strict=True))]
            out(visible("  ".join(cells).rstrip(), one_line=True))

    shared = report.overall.group.articles
    out(f"{shared:,} article{'s' * (shared != 1)} worked on by at least two of: {', '.join(report.annotators)}")
    out()
    header = ["tag", "annotators", "articles", "tokens", "exact F1", "overlap F1", "kappa", "alpha"]
    rows = []
    for section in [report.overall, *report.by_tag]:
        tag = section.tag if section.tag is not None else "all tags"
        for pair in section.pairs:
            rows.append([tag, " + ".join(pair.annotators), f"{pair.articles:,}", f"{pair.tokens:,}",
                         figure(pair.exact.f1), figure(pair.overlap.f1), figure(pair.kappa), figure(pair.alpha)])
        group = section.group
        if len(group.annotators) > 2:
            rows.append([tag, f"all {len(group.annotators)}", f"{group.articles:,}", f"{group.tokens:,}",
                         figure(group.exact.f1), figure(group.overlap.f1), "-", figure(group.alpha)])
    table(header, rows, left=2)
    out()
    out("articles, worst first:")
    spans = "spans " + "/".join(report.annotators)
    rows = [[figure(a.alpha), figure(a.overlap_f1), figure(a.exact_f1),
             "/".join("-" if n is None else str(n) for n in a.spans.values()), a.id, a.title]
            for a in report.articles]
    table(["alpha", "overlap F1", "exact F1", spans, "id", "title"], rows, left=0, right=4)
    return 0


def cmd_tags(args: argparse.Namespace) -> int:
    from annotations.tags import load_toml

    store = open_store(args)
    try:
        if args.file:
            store.set_tags(load_toml(Path(args.file)))
        for tag in store.tags():
            key = str(tag.key) if tag.key else "-"
            out(visible(f"{key}  {tag.name:<16} {tag.colour}  {tag.definition}", one_line=True))
    finally:
        store.close()
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    store = open_store(args)
    try:
        problems = store.mismatches()
        anchors = [note.anchor for note in store.annotations()]
    finally:
        store.close()
    for note, found in problems:
        err(f"annotation {note.id} in {note.article_id}: offsets {note.start}-{note.end} "
            f"read {found!r}, expected {note.quote!r}")
    fuzzy, orphaned = anchors.count("fuzzy"), anchors.count("orphan")
    if problems:
        out(f"{len(problems)} annotation(s) no longer match their text")
    elif fuzzy or orphaned:
        out("every annotation in place matches its text")
    else:
        out("every annotation matches its text")
    if fuzzy or orphaned:
        # Not a failure (the exit code is the mismatches'): a new version of a text left them to confirm.
        out(f"{fuzzy + orphaned:,} wait for review after a new version of their text ({fuzzy:,} fuzzy, "
            f"{orphaned:,} orphaned): R in the reader lists them")
    return 1 if problems else 0


def cmd_backup(args: argparse.Namespace) -> int:
    from annotations.backup import backup

    source = Path(args.db or os.environ.get(DB_ENV) or default_db())
    report = backup(source, args.path, force=args.force)
    annotations, articles = report.annotations, report.articles
    out(visible(f"backed up {report.source} to {report.target}: {annotations:,} annotation{'s' * (annotations != 1)} "
                f"of {articles:,} article{'s' * (articles != 1)}, schema {report.schema_version}, "
                f"{report.bytes:,} bytes", one_line=True))
    return 0


def cmd_merge(args: argparse.Namespace) -> int:
    """Each other database in one transaction: a refused one is one line and leaves nothing behind."""
    from annotations.merge import merge

    def count(n: int, what: str) -> str:
        return f"{n:,} {what}{'s' * (n != 1)}"

    store = open_store(args)
    failed = False
    try:
        for path in args.paths:
            try:
                report = merge(store, path)
            except PenmarkError as error:
                err(str(error))
                failed = True
                continue
            out(visible(f"{path}: {count(report.articles_added, 'article')} added, "
                        f"{count(report.annotations_added, 'annotation')} added, {report.annotations_updated:,} updated, "
                        f"{report.annotations_present:,} already present, {count(len(report.conflicts), 'conflict')}, "
                        f"{count(report.events_added, 'event')} added", one_line=True))
            for conflict in report.conflicts:
                out(visible(f"{path}: conflict: annotation {conflict.annotation_id} differs here; kept theirs as "
                            f"{conflict.kept_as}" + (" (deleted there)" if conflict.deleted else ""), one_line=True))
            if report.tags_added:
                out(visible(f"{path}: added tags it uses: {', '.join(report.tags_added)}", one_line=True))
    finally:
        store.close()
    return 1 if failed else 0


def cmd_app(args: argparse.Namespace) -> int:
    from annotations.importer import import_paths, sample_corpus

    # The app's saves never checkpoint or merge the search index themselves: a thread does.
    store = open_store(args, autocheckpoint=False)
    maintenance = None
    try:
        if not store.articles():
            corpus = sample_corpus()
            report = import_paths(store, [corpus])
            out(f"no articles yet: imported the {len(report.added)} sample articles from {corpus}")
        open_ids = [resolve_article(store, ref) for ref in getattr(args, "articles", [])]
        adjudicate = None
        if getattr(args, "adjudicate", None):
            from annotations.adjudicate import compare

            reference, first, second = args.adjudicate
            adjudicate = (resolve_article(store, reference), first, second)
            compare(store, *adjudicate)  # a mistyped annotator is one line and exit 2, not an empty view
        if store.path is not None:
            from annotations.maintenance import Maintenance

            maintenance = Maintenance(store.path).start()
            store.commit_hooks.append(maintenance.committed)
        from tui.app import PenmarkApp

        PenmarkApp(store, open_ids=open_ids, adjudicate=adjudicate).run()
    finally:
        if maintenance is not None:
            maintenance.stop()
        store.close()
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """The app for browsers: textual-serve starts one `penmark` process per browser session."""
    import shlex

    url = args.public_url or browse_url(args.host, args.port)
    _check_listen(args.host, args.port)
    # Opened here once: a database that cannot be opened is one line now, not an error in every
    # browser tab, and the samples go into an empty one before sessions could race to import them.
    from annotations.importer import import_paths, sample_corpus

    store = open_store(args)
    try:
        if store.path is None:
            raise PenmarkError("serve needs a database file: every browser session opens it in its own process")
        db = str(Path(store.path).resolve())
        annotator = store.annotator
        if not store.articles():
            corpus = sample_corpus()
            report = import_paths(store, [corpus])
            out(f"no articles yet: imported the {len(report.added)} sample articles from {corpus}")
    finally:
        store.close()
    # textual-serve runs the command through the shell (asyncio.create_subprocess_shell): quote it all.
    command = " ".join(shlex.quote(part) for part in
                       [sys.executable, "-m", "tui", "--db", db, "--annotator", annotator])
    if not _is_loopback(args.host):
        err(f"warning: listening on {args.host}" + (" (every interface)" if _every_interface(args.host) else "")
            + ": anyone who can reach this machine can use the app "
            "(there is no authentication)")
    out(visible(f"serving {db} as {annotator}: open {url} in a browser (each tab is its own session; "
                "Ctrl+C stops)", one_line=True))
    sys.stdout.flush()
    from textual_serve.server import Server

    try:
        Server(command, host=args.host, port=args.port, title="penmark", public_url=url).serve()
    except OSError as error:  # the port was taken between the check and the server binding it
        raise PenmarkError(_listen_error(args.host, args.port, error)) from None
    return 0


def browse_url(host: str, port: int) -> str:
    """The address a browser can open. 0.0.0.0 and :: listen on every interface but are no
    address to browse to: name this machine instead (its host name)."""
    import socket

    return f"http://{_url_host(socket.gethostname() if _every_interface(host) else host)}:{port}"


def _every_interface(host: str) -> bool:
    import ipaddress

    try:
        return ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return False


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _is_loopback(host: str) -> bool:
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _listen_error(host: str, port: int, error: OSError) -> str:
    import errno

    if error.errno == errno.EADDRINUSE:
        return f"port {port} on {host} is already in use (choose another with --port)"
    return f"cannot listen on {host} port {port}: {error.strerror or error}"


def _check_listen(host: str, port: int) -> None:
    """Bind every address of ``host`` as the server will, so a taken port is one line, not a traceback."""
    import socket

    try:
        addresses = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        for family, kind, proto, _name, address in addresses:
            with socket.socket(family, kind, proto) as probe:
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as asyncio's server does
                if family == socket.AF_INET6:
                    probe.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
                probe.bind(address)
    except OSError as error:  # socket.gaierror included: a host name that does not resolve
        raise PenmarkError(_listen_error(host, port, error)) from None


def resolve_article(store, reference: str) -> str:
    """An article id from an id, an id prefix, or words of its title (fuzzy).

    Titles are ranked by rapidfuzz's WRatio, ties broken by how many of the reference's words the
    title holds (token set ratio); when several articles still match equally well, the reference is
    ambiguous and refused with the candidates listed, rather than one of them opened at random.
    """
    articles = store.articles()
    exact = [a.id for a in articles if a.id == reference]
    if exact:
        return exact[0]
    prefixed = [a.id for a in articles if a.id.startswith(reference)]
    if len(prefixed) == 1:
        return prefixed[0]
    from rapidfuzz import fuzz, process, utils

    titles = {a.id: a.title for a in articles}
    matches = process.extract(reference, titles, scorer=fuzz.WRatio, processor=utils.default_process,
                              score_cutoff=60, limit=None)
    if not matches:
        raise PenmarkError(f"no article matches {reference!r} (penmark list shows ids and titles)")
    best = max(score for _title, score, _id in matches)
    tied = [article_id for _title, score, article_id in matches if score == best]
    if len(tied) > 1:
        words = {article_id: fuzz.token_set_ratio(reference, titles[article_id], processor=utils.default_process)
                 for article_id in tied}
        tied = [article_id for article_id in tied if words[article_id] == max(words.values())]
    if len(tied) > 1:
        def short(title: str) -> str:
            return title if len(title) <= 40 else title[:39].rstrip() + "…"

        listed = "; ".join(f"{article_id} {short(titles[article_id])}" for article_id in tied)
        raise PenmarkError(f"{reference!r} matches {len(tied)} articles equally: {listed} "
                           "(give an id, an id prefix or more of the title)")
    return tied[0]


# --- parser --------------------------------------------------------------------------------

def _short_id(annotation_id: str) -> str:
    """The end of an id: a UUIDv7 begins with its time, shared by annotations made together (an
    import), and ends with random digits that tell them apart."""
    return "…" + annotation_id.replace("-", "")[-8:]


def cmd_search(args: argparse.Namespace) -> int:
    from annotations.search import Searcher

    if args.limit < 1:
        err(f"search: --limit must be 1 or more, not {args.limit}")
        return 2
    query = " ".join(args.query)
    if not query.strip():
        err("search: give a query, e.g. penmark search 'sanctions tag:claim'")
        return 2
    store = open_store(args)
    searcher = Searcher(store)
    try:
        if args.passages:
            passages, hints = searcher.passages(query, limit=args.limit)
            rows = [{"article_id": p.article_id, "title": p.title, "start": p.start, "end": p.end,
                     "snippet": p.snippet} for p in passages]
        else:
            results = searcher.annotations(query, limit=args.limit)
            hints = results.hints
            rows = [{"id": h.annotation.id, "article_id": h.annotation.article_id, "title": h.title,
                     "start": h.annotation.start, "end": h.annotation.end, "tag": h.annotation.tag,
                     "quote": h.annotation.quote, "note": h.annotation.note,
                     "annotator": h.annotation.annotator, "score": h.score} for h in results.hits]
    finally:
        searcher.close()
        store.close()
    for hint in hints:
        err(hint)
    for row in rows:
        if args.json:
            print(json_text(row))
        elif args.passages:
            out(visible(f"{row['article_id']}  {row['start']:>7}  {row['title']}", one_line=True))
            out(visible(f"    {row['snippet']}", one_line=True))
        else:
            out(visible(f"{row['score']:5.1f}  {row['tag']:<14} {row['title']}", one_line=True))
            note = f"  [{row['note']}]" if row["note"] else ""
            out(visible(f"       “{row['quote']}”{note}  ({row['annotator']}, {_short_id(row['id'])})", one_line=True))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="penmark",
        description="Keyboard-first annotation of articles in the terminal. Without a command, opens the app.",
    )
    parser.add_argument("--version", action="version", version=f"penmark {__version__}")
    parser.add_argument("--db", help=f"database file (default: ${DB_ENV} or {default_db()})")
    parser.add_argument("--annotator", help=f"who is annotating (default: ${ANNOTATOR_ENV} or your login name)")
    parser.set_defaults(func=cmd_app)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    sub = commands.add_parser("import", help="import .txt/.md files, .json/.jsonl records, or folders of them; "
                                             "or labeled datasets with --format")
    sub.add_argument("paths", nargs="+", metavar="PATH")
    sub.add_argument("--format", choices=DATASET_IMPORTS,
                     help="read a labeled dataset, annotations included (brat: a folder or .zip)")
    sub.add_argument("--annotator", default=argparse.SUPPRESS,
                     help="who the dataset's annotations are by, where the file does not say")
    sub.add_argument("--replace-invalid", action="store_true", help="import invalid UTF-8 with U+FFFD instead of refusing it")
    sub.add_argument("--max-mb", type=float, default=64, help="refuse files larger than this many MB (default 64)")
    sub.set_defaults(func=cmd_import)

    sub = commands.add_parser("list", help="articles with their ids, titles and annotation counts per tag")
    sub.add_argument("--json", action="store_true", help="one JSON object per article")
    sub.set_defaults(func=cmd_list)

    sub = commands.add_parser("stats", help="counts of articles, annotations, tags and events")
    sub.add_argument("--json", action="store_true")
    sub.set_defaults(func=cmd_stats)

    sub = commands.add_parser("agreement", help="inter-annotator agreement: span F1, Cohen's kappa, Krippendorff's alpha")
    sub.add_argument("--annotators", metavar="A,B,...",
                     help="compare these annotators (default: everyone with annotations)")
    sub.add_argument("--tag", help="only this tag (its spans against no span)")
    sub.add_argument("--json", action="store_true", help="one JSON object: per tag, pair, group and article")
    sub.set_defaults(func=cmd_agreement)

    sub = commands.add_parser("tags", help="show the tag set, or replace it from a TOML file")
    sub.add_argument("file", nargs="?", metavar="FILE.toml")
    sub.set_defaults(func=cmd_tags)

    sub = commands.add_parser("read", help="open the reader on one article, or two side by side")
    sub.add_argument("articles", nargs="+", metavar="ARTICLE", help="an id, id prefix or words of the title")
    sub.set_defaults(func=cmd_app)

    sub = commands.add_parser("adjudicate", help="settle two annotators' disagreements on an article into gold")
    sub.add_argument("adjudicate", nargs=3, metavar=("ARTICLE", "A", "B"),
                     help="an id, id prefix or words of the title; then the two annotators")
    sub.set_defaults(func=cmd_app)

    sub = commands.add_parser("search", help="find annotations (or passages) by fuzzy keyword")
    sub.add_argument("query", nargs="*", metavar="QUERY",  # words starting with "-": see main()
                     help='words (typos forgiven), "a phrase", tag:T, -tag:T, by:NAME, in:TITLE-WORDS, note:WORDS')
    sub.add_argument("--limit", type=int, default=20, help="at most this many results (default 20)")
    sub.add_argument("--json", action="store_true", help="one JSON object per result")
    sub.add_argument("--passages", action="store_true", help="search the articles' text instead of annotations")
    sub.set_defaults(func=cmd_search)

    sub = commands.add_parser("export", help="write annotations as a labeled dataset (offsets in code points)")
    sub.add_argument("--format", required=True, choices=DATASET_EXPORTS)
    sub.add_argument("-o", "--output", metavar="PATH",
                     help="file to write (brat: a folder or .zip); - or none: standard output")
    sub.add_argument("--tag", dest="tags", action="extend", nargs="+", metavar="TAG", help="only these tags")
    sub.add_argument("--annotator", dest="only_annotators", action="extend", nargs="+", metavar="NAME",
                     help="only these annotators' annotations")
    sub.add_argument("--article", dest="article_refs", action="extend", nargs="+", metavar="ARTICLE",
                     help="only these articles (an id, id prefix or words of the title)")
    sub.add_argument("--force", action="store_true", help="replace an existing file or folder")
    sub.set_defaults(func=cmd_export)

    sub = commands.add_parser("check", help="verify that every annotation still slices its text to its quote")
    sub.set_defaults(func=cmd_check)

    sub = commands.add_parser("backup", help="a consistent, verified copy of the database (safe while the app writes)")
    sub.add_argument("path", metavar="PATH", help="the copy to write")
    sub.add_argument("--force", action="store_true", help="replace an existing file")
    sub.set_defaults(func=cmd_backup)

    sub = commands.add_parser("merge", help="bring other annotators' databases into this one (conflicts kept, reported)")
    sub.add_argument("paths", nargs="+", metavar="OTHER.db", help="databases to merge, each read-only")
    sub.set_defaults(func=cmd_merge)

    sub = commands.add_parser("serve", help="run the app for web browsers (textual-serve), one session per tab")
    sub.add_argument("--host", default="127.0.0.1",
                     help="address to listen on (default 127.0.0.1, this machine only; any other address "
                          "exposes the app, without authentication, to the network)")
    sub.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    sub.add_argument("--public-url", metavar="URL",
                     help="the address browsers use, if not http://HOST:PORT (behind a reverse proxy or tunnel)")
    sub.set_defaults(func=cmd_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        # argparse takes "-tag:claim" for an option it does not know: in a query it is a word.
        if args.func is not cmd_search or any(arg.startswith("--") for arg in unknown):
            parser.error(f"unrecognized arguments: {' '.join(unknown)}")
        args.query = [*args.query, *unknown]
    if len(getattr(args, "articles", [])) > 2:
        err("read: give one or two articles")
        return 2
    try:
        return args.func(args)
    except PenmarkError as error:
        err(str(error))
        return 2
    except sqlite3.Error as error:  # e.g. a database locked past the busy timeout, a full disk
        err(f"database error: {error}")
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into `head` and the like: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
