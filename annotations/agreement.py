"""Inter-annotator agreement: span F1, Cohen's kappa and Krippendorff's alpha.

Everything here is small, pure and documented; :func:`agreement` is the one entry point that
reads a :class:`~annotations.store.Store` and returns a :class:`Report` an interface can show.

**Which articles count.** An annotator *worked on* an article when they have an annotation on it
(live or deleted: deleting is a decision too) or an event in the log on one of its annotations
(a retag, a note, an undo; re-anchoring is not anyone's work). An article's status cannot say
who worked on it (it is one status for everybody), so it is not used. Figures for a pair use the
articles both worked on; figures for the whole group use every article at least two of them
worked on, and an annotator who did not work on an article is *missing data* there (alpha's
sense), never "annotated nothing". Orphaned annotations, and any whose offsets no longer slice
the text to their quote, are left out and counted (``Report.left_out``). The gold set (see
adjudicate.py) is left out unless it is named: it is an answer, not one of the team.

**Span F1.** Two annotators' spans of one article; F1 = 2·matched / (spans of A + spans of B),
which is the F1 of either against the other as reference (precision and recall swap, F1 stays).
*Exact*: a match is the same start, end and tag (as multisets). *Overlap*: a match is a pair of
spans with the same tag that share at least one character, each span in at most one pair; the
matching is a maximum one (the most pairs possible, found with augmenting paths), so it does not
depend on who is the reference or on the order of the spans. Across articles and tags the
matched pairs and span counts are summed before dividing (micro-average); for the whole group
they are also summed over every pair of annotators (pooled pairwise F1). With no span on either
side there is nothing to match and F1 is undefined (None).

**Tokens.** The article is cut by :func:`annotations.datasets.tokens.tokenize` with a boundary at
every start and end of *every* compared annotator's spans (all tags, also when one tag is
asked for), so all annotators label the same tokens and a token is either wholly inside a span or
wholly outside it; whitespace tokens are skipped. A token's label is the tag of the span that
covers it, or ``"O"``. Where one annotator's own spans overlap, the longest covering span gives
the tag (then the one starting first, then the tag name first alphabetically), as the CoNLL
export does. For one tag's figures the labels are binary: that tag if any of the annotator's
spans with that tag covers the token, else ``"O"``.

**Cohen's kappa** (two annotators): (p_o − p_e) / (1 − p_e), p_o the share of tokens labelled
the same, p_e = Σ_k p_A(k)·p_B(k) the agreement expected from each one's label frequencies.
Undefined (None) when p_e = 1 (both used one and the same label throughout).

**Krippendorff's alpha** (nominal, any number of annotators, missing data allowed): every token
is a unit with the labels of those who worked on its article; units with fewer than two labels
are dropped. With m_u labels in unit u, n_uc of them c, n_c = Σ_u n_uc and n = Σ_c n_c:
alpha = 1 − (n − 1) · Σ_u (m_u² − Σ_c n_uc²) / (m_u − 1) / (n² − Σ_c n_c²). Undefined (None) when
only one label occurs at all.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import TYPE_CHECKING, Any, NamedTuple

from .adjudicate import GOLD
from .datasets.tokens import tokenize
from .errors import PenmarkError

if TYPE_CHECKING:
    from .store import Store

OUTSIDE = "O"  # the label of a token no span covers


class AgreementError(PenmarkError):
    """Agreement cannot be worked out: an unknown annotator or tag, or too few annotators."""


class Span(NamedTuple):
    start: int
    end: int
    tag: str


# --- span F1 ---------------------------------------------------------------------------------


def exact_matches(a: Iterable[Span], b: Iterable[Span]) -> int:
    """How many spans of ``a`` have an equal (start, end, tag) in ``b``, each used once."""
    return sum((Counter(a) & Counter(b)).values())


def overlap_pairs(a: Sequence[Span], b: Sequence[Span]) -> list[tuple[int, int]]:
    """A maximum one-to-one matching of ``a`` to ``b`` (index pairs), where a span may match one
    with the same tag that shares at least one character with it."""
    adjacency: list[list[int]] = [[] for _ in a]
    by_tag: dict[str, list[int]] = {}
    for j, span in enumerate(b):
        by_tag.setdefault(span.tag, []).append(j)
    for tag, js in by_tag.items():
        js.sort(key=lambda j: (b[j].start, b[j].end))
        starts = [b[j].start for j in js]
        reach: list[int] = []  # reach[k]: the furthest end among js[:k + 1] (never decreasing)
        for j in js:
            reach.append(max(reach[-1], b[j].end) if reach else b[j].end)
        for i, span in enumerate(a):
            if span.tag != tag:
                continue
            first = bisect_left(reach, span.start + 1)  # before it, every b ends at or before span.start
            last = bisect_left(starts, span.end)  # from it on, every b starts at or after span.end
            adjacency[i].extend(j for j in js[first:last] if b[j].end > span.start)
    return _maximum_matching(adjacency, len(b))


def _maximum_matching(adjacency: list[list[int]], right: int) -> list[tuple[int, int]]:
    """Kuhn's algorithm (augmenting paths, depth first without recursion)."""
    match_left = [-1] * len(adjacency)
    match_right = [-1] * right
    seen = [-1] * right
    via = [-1] * right
    for root, neighbours in enumerate(adjacency):
        if not neighbours:
            continue
        found = -1
        stack = [iter(neighbours)]
        lefts = [root]
        while stack and found < 0:
            for r in stack[-1]:
                if seen[r] == root:
                    continue
                seen[r], via[r] = root, lefts[-1]
                if match_right[r] < 0:
                    found = r
                else:
                    lefts.append(match_right[r])
                    stack.append(iter(adjacency[match_right[r]]))
                break
            else:
                stack.pop()
                lefts.pop()
        while found >= 0:  # flip the path: each left on it takes the right that reached it
            left = via[found]
            previous = match_left[left]
            match_left[left], match_right[found] = found, left
            found = -1 if left == root else previous
    return [(i, j) for i, j in enumerate(match_left) if j >= 0]


def f1(matched: int, spans_a: int, spans_b: int) -> float | None:
    """2·matched / (spans_a + spans_b); None when neither has a span."""
    total = spans_a + spans_b
    return 2 * matched / total if total else None


@dataclass(slots=True)
class SpanTally:
    """Matched pairs and span counts, summed over articles (and pairs) before dividing."""

    matched: int = 0
    spans: int = 0  # spans on both sides together

    def add(self, matched: int, spans: int) -> None:
        self.matched += matched
        self.spans += spans

    @property
    def f1(self) -> float | None:
        return 2 * self.matched / self.spans if self.spans else None


# --- token labels ------------------------------------------------------------------------------


def article_tokens(text: str, spans: Iterable[Span]) -> list[tuple[int, int]]:
    """The (start, end) of each non-whitespace token of ``text``, cut at every span's ends."""
    return [(t.start, t.end) for t in tokenize(text, ((s.start, s.end) for s in spans))
            if not text[t.start : t.end].isspace()]


def token_labels(tokens: Sequence[tuple[int, int]], spans: Iterable[Span], *, tag: str | None = None) -> list[str]:
    """Each token's label from one annotator's spans (see the module's rules): with ``tag``, that
    tag or "O"; else the longest covering span's tag, or "O". ``tokens`` must be cut at the spans'
    ends (see :func:`article_tokens`)."""
    labels = [OUTSIDE] * len(tokens)
    starts = [start for start, _ in tokens]
    chosen = [s for s in spans if tag is None or s.tag == tag]
    chosen.sort(key=lambda s: (s.start - s.end, s.start, s.tag))  # the winner of a token comes first
    for span in chosen:
        for k in range(bisect_left(starts, span.start), len(tokens)):
            if tokens[k][0] >= span.end:
                break
            if labels[k] == OUTSIDE:
                labels[k] = span.tag
    return labels


# --- kappa and alpha -----------------------------------------------------------------------------


@dataclass(slots=True)
class KappaTally:
    """Cohen's kappa of two annotators from (label of A, label of B) pairs, added in any batches."""

    pairs: Counter[tuple[str, str]] = field(default_factory=Counter)

    def add(self, a: str, b: str, count: int = 1) -> None:
        self.pairs[a, b] += count

    @property
    def units(self) -> int:
        return sum(self.pairs.values())

    @property
    def value(self) -> float | None:
        n = self.units
        if not n:
            return None
        observed = sum(count for (a, b), count in self.pairs.items() if a == b) / n
        by_a: Counter[str] = Counter()
        by_b: Counter[str] = Counter()
        for (a, b), count in self.pairs.items():
            by_a[a] += count
            by_b[b] += count
        expected = sum(by_a[label] * by_b[label] for label in by_a) / (n * n)
        if expected >= 1:
            return None
        return (observed - expected) / (1 - expected)


def cohen_kappa(a: Sequence[str], b: Sequence[str]) -> float | None:
    """Cohen's kappa of two equally long label sequences (None where undefined)."""
    if len(a) != len(b):
        raise ValueError("the two label sequences differ in length")
    tally = KappaTally()
    for pair, count in Counter(zip(a, b, strict=True)).items():
        tally.add(*pair, count)
    return tally.value


@dataclass(slots=True)
class AlphaTally:
    """Krippendorff's alpha (nominal) from units of labels (None: missing), added in any batches."""

    disagreement: float = 0.0  # Σ_u (m_u² − Σ_c n_uc²) / (m_u − 1)
    values: Counter[str] = field(default_factory=Counter)  # n_c over pairable units

    def add(self, unit: Iterable[str | None], count: int = 1) -> None:
        present = Counter(label for label in unit if label is not None)
        m = sum(present.values())
        if m < 2:
            return
        self.disagreement += count * (m * m - sum(c * c for c in present.values())) / (m - 1)
        for label, c in present.items():
            self.values[label] += count * c

    @property
    def units(self) -> int:
        """Pairable values (n)."""
        return sum(self.values.values())

    @property
    def value(self) -> float | None:
        n = self.units
        expected = n * n - sum(c * c for c in self.values.values())
        if not expected:
            return None
        return 1 - (n - 1) * self.disagreement / expected


def krippendorff_alpha(units: Iterable[Sequence[str | None]]) -> float | None:
    """Nominal Krippendorff's alpha of ``units`` (each the labels of every annotator, None where
    one gave none); None where undefined (one label throughout, or nothing pairable)."""
    tally = AlphaTally()
    for unit, count in Counter(tuple(u) for u in units).items():
        tally.add(unit, count)
    return tally.value


# --- the report ------------------------------------------------------------------------------------


@dataclass(slots=True)
class PairFigures:
    """Two annotators, over the articles both worked on."""

    annotators: tuple[str, str]
    articles: int = 0
    spans: dict[str, int] = field(default_factory=dict)
    exact: SpanTally = field(default_factory=SpanTally)
    overlap: SpanTally = field(default_factory=SpanTally)
    kappa_tally: KappaTally = field(default_factory=KappaTally)
    alpha_tally: AlphaTally = field(default_factory=AlphaTally)

    @property
    def tokens(self) -> int:
        return self.kappa_tally.units

    @property
    def kappa(self) -> float | None:
        return self.kappa_tally.value

    @property
    def alpha(self) -> float | None:
        return self.alpha_tally.value


@dataclass(slots=True)
class GroupFigures:
    """Every compared annotator together: span F1 pooled over all pairs, alpha over all labels."""

    annotators: tuple[str, ...]
    articles: int = 0
    tokens: int = 0
    spans: dict[str, int] = field(default_factory=dict)
    exact: SpanTally = field(default_factory=SpanTally)
    overlap: SpanTally = field(default_factory=SpanTally)
    alpha_tally: AlphaTally = field(default_factory=AlphaTally)

    @property
    def alpha(self) -> float | None:
        return self.alpha_tally.value


@dataclass(slots=True)
class Section:
    """The figures for one tag (binary labels), or for all tags together (``tag`` None)."""

    tag: str | None
    pairs: list[PairFigures]
    group: GroupFigures


@dataclass(slots=True)
class ArticleFigures:
    """One article worked on by at least two of the compared annotators (all tags, or the tag asked)."""

    id: str
    title: str
    spans: dict[str, int | None]  # per compared annotator; None: did not work on it
    tokens: int
    exact_f1: float | None
    overlap_f1: float | None
    alpha: float | None

    def sort_key(self) -> tuple[Any, ...]:
        """Worst first: lowest alpha, then lowest overlap F1; undefined (nothing to disagree on) last."""
        return (self.alpha is None, self.alpha or 0.0, self.overlap_f1 is None, self.overlap_f1 or 0.0, self.title)


@dataclass(slots=True)
class Report:
    annotators: tuple[str, ...]
    tag: str | None  # the one tag asked for, else None
    overall: Section
    by_tag: list[Section]
    articles: list[ArticleFigures]  # worst first
    left_out: int = 0  # orphaned or stale annotations not compared


def compare(
    articles: Iterable[tuple[str, str, str, Mapping[str, Sequence[Span] | None]]],
    annotators: Sequence[str],
    tags: Sequence[str],
    *,
    tag: str | None = None,
) -> Report:
    """The report for ``articles``: (id, title, text, spans per annotator, None for one who did not
    work on it). ``tags`` are the per-tag sections to make (only ``tag`` when it is given)."""
    annotators = tuple(annotators)
    index = {name: i for i, name in enumerate(annotators)}
    # None: all tags, multi-class labels; a tag: binary labels. The articles table follows the
    # report's own section (all tags, or the one tag asked for).
    keys: list[str | None] = [tag] if tag else [None, *tags]
    sections = {
        key: Section(key, [PairFigures(pair) for pair in combinations(annotators, 2)], GroupFigures(annotators))
        for key in keys
    }
    for section in sections.values():
        for figures in [*section.pairs, section.group]:
            figures.spans = dict.fromkeys(figures.annotators, 0)
    rows: list[ArticleFigures] = []
    for article_id, title, text, by_annotator in articles:
        present = [a for a in annotators if by_annotator.get(a) is not None]
        if len(present) < 2:
            continue
        spans = {a: list(by_annotator[a] or ()) for a in present}
        tokens = article_tokens(text, (s for a in present for s in spans[a]))  # every annotator's cuts
        for key, section in sections.items():
            chosen = {a: [s for s in spans[a] if key is None or s.tag == key] for a in present}
            labels = {a: token_labels(tokens, chosen[a], tag=key) for a in present}
            missing = [None] * len(tokens)
            units = Counter(zip(*(labels.get(a, missing) for a in annotators), strict=True))
            group = section.group
            group.articles += 1
            group.tokens += len(tokens)
            article_alpha = AlphaTally()
            for unit, count in units.items():
                group.alpha_tally.add(unit, count)
                article_alpha.add(unit, count)
            for a in present:
                group.spans[a] += len(chosen[a])
            article_exact, article_overlap = SpanTally(), SpanTally()
            for figures in section.pairs:
                a, b = figures.annotators
                if a not in chosen or b not in chosen:
                    continue
                figures.articles += 1
                figures.spans[a] += len(chosen[a])
                figures.spans[b] += len(chosen[b])
                both = len(chosen[a]) + len(chosen[b])
                exact = exact_matches(chosen[a], chosen[b])
                overlap = len(overlap_pairs(chosen[a], chosen[b]))
                for tally, matched in ((figures.exact, exact), (figures.overlap, overlap),
                                       (group.exact, exact), (group.overlap, overlap),
                                       (article_exact, exact), (article_overlap, overlap)):
                    tally.add(matched, both)
                ia, ib = index[a], index[b]
                for unit, count in units.items():
                    figures.kappa_tally.add(unit[ia], unit[ib], count)
                    figures.alpha_tally.add((unit[ia], unit[ib]), count)
            if key == tag:
                rows.append(ArticleFigures(
                    article_id, title, {a: len(chosen[a]) if a in chosen else None for a in annotators},
                    len(tokens), article_exact.f1, article_overlap.f1, article_alpha.value,
                ))
    rows.sort(key=ArticleFigures.sort_key)
    if tag:
        return Report(annotators, tag, sections[tag], [], rows)
    overall = sections.pop(None)
    by_tag = [s for s in sections.values() if any(s.group.spans.values())]
    return Report(annotators, None, overall, by_tag, rows)


# --- the store ---------------------------------------------------------------------------------------


def annotators_at_work(store: Store) -> dict[str, set[str]]:
    """Per annotator, the ids of the articles they worked on (see the module's rules)."""
    from .store import REANCHOR_ACTOR

    worked: dict[str, set[str]] = {}
    with store.reading() as conn:
        rows = conn.execute(
            """SELECT DISTINCT annotator, article_id FROM annotations
               UNION SELECT DISTINCT e.annotator, a.article_id FROM events e
               JOIN annotations a ON a.id = e.annotation_id WHERE e.annotator != ?""",
            (REANCHOR_ACTOR,),
        ).fetchall()
    for annotator, article_id in rows:
        worked.setdefault(annotator, set()).add(article_id)
    return worked


def agreement(store: Store, annotators: Sequence[str] | None = None, tag: str | None = None) -> Report:
    """Agreement among ``annotators`` (default: everyone with a live annotation but the gold set,
    which is an adjudicated answer, not a team member; name it to compare someone against it),
    for every tag or only ``tag``. Raises :class:`AgreementError` for an unknown annotator or tag, fewer than two
    annotators, or no article that two of them worked on."""
    worked = annotators_at_work(store)
    live = store.annotations()
    if annotators is None:
        chosen = sorted({note.annotator for note in live} - {GOLD})
    else:
        chosen = list(dict.fromkeys(annotators))
        unknown = [name for name in chosen if name not in worked]
        if unknown:
            known = ", ".join(sorted(worked)) or "none yet"
            raise AgreementError(f"unknown annotator {unknown[0]!r} (annotators here: {known})")
    if len(chosen) < 2:
        found = ", ".join(chosen) or "none"
        raise AgreementError(f"agreement needs at least two annotators with annotations (found: {found})")
    tag_names = [t.name for t in store.tags()]
    if tag is not None and tag not in tag_names:
        raise AgreementError(f"unknown tag {tag!r} (the tag set has: {', '.join(tag_names)})")
    shared = Counter(article for name in chosen for article in worked.get(name, ()))
    ids = [a.id for a in store.articles() if shared[a.id] >= 2]
    if not ids:
        raise AgreementError(f"no article was worked on by at least two of: {', '.join(chosen)}")
    notes: dict[str, list[Any]] = {}
    for note in live:
        if note.annotator in chosen and note.article_id in shared:
            notes.setdefault(note.article_id, []).append(note)
    left_out = 0

    def articles() -> Iterable[tuple[str, str, str, dict[str, list[Span] | None]]]:
        nonlocal left_out
        for article_id in ids:
            article = store.article(article_id)
            spans: dict[str, list[Span] | None] = {
                name: [] if article_id in worked.get(name, ()) else None for name in chosen
            }
            for note in notes.get(article_id, ()):
                if note.anchor == "orphan" or not note.intact(article.text):
                    left_out += 1
                    continue
                spans[note.annotator].append(Span(note.start, note.end, note.tag))  # type: ignore[union-attr]
            yield article.id, article.title, article.text, spans

    report = compare(articles(), chosen, tag_names, tag=tag)
    report.left_out = left_out
    return report


def report_dict(report: Report) -> dict[str, Any]:
    """The report as plain JSON-ready data."""

    def tally(t: SpanTally) -> dict[str, Any]:
        return {"matched": t.matched, "spans": t.spans, "f1": t.f1}

    def section(s: Section) -> dict[str, Any]:
        return {
            "tag": s.tag,
            "pairs": [{"annotators": list(p.annotators), "articles": p.articles, "tokens": p.tokens,
                       "spans": p.spans, "exact": tally(p.exact), "overlap": tally(p.overlap),
                       "kappa": p.kappa, "alpha": p.alpha} for p in s.pairs],
            "all": {"annotators": list(s.group.annotators), "articles": s.group.articles,
                    "tokens": s.group.tokens, "spans": s.group.spans, "exact": tally(s.group.exact),
                    "overlap": tally(s.group.overlap), "alpha": s.group.alpha},
        }

    return {
        "annotators": list(report.annotators),
        "tag": report.tag,
        "left_out": report.left_out,
        "overall": section(report.overall),
        "by_tag": [section(s) for s in report.by_tag],
        "articles": [{"id": a.id, "title": a.title, "spans": a.spans, "tokens": a.tokens, "exact_f1": a.exact_f1,
                      "overlap_f1": a.overlap_f1, "alpha": a.alpha} for a in report.articles],
    }
