"""Search: typo tolerance, ranking, every filter, malformed queries, and an index kept in sync."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotations.query import fold, parse, tag_key, tokens
from annotations.search import Searcher
from annotations.store import Store
from annotations.tags import Tag

ARTICLE_A = (
    "Kim Jong-un watched the Hwasong-20 launch on Tuesday.\n"
    "Talks on denuclearization stalled again, officials said.\n"
    "The ministry denied the report about sanctions.\n"
    "Café owners in Seoul shrugged at the news."
)
ARTICLE_B = (
    "Pyongyang tested the Hwasong-20 missile, state media said.\n"
    "Analysts doubt denuclearization will return to the agenda.\n"
    "Sanctions were tightened by the council."
)


def span(text: str, part: str) -> tuple[int, int]:
    start = text.index(part)
    return start, start + len(part)


@pytest.fixture
def searcher() -> Searcher:
    store = Store.memory(annotator="alice")
    a = store.add_article(ARTICLE_A, "Korea launch report").article.id
    b = store.add_article(ARTICLE_B, "Missile test coverage").article.id
    store.create(a, *span(ARTICLE_A, "Kim Jong-un watched the Hwasong-20 launch on Tuesday."), "claim")
    store.create(a, *span(ARTICLE_A, "Talks on denuclearization stalled again"), "opinion", note="check the date")
    store.create(a, *span(ARTICLE_A, "The ministry denied the report about sanctions."), "quote")
    store.create(a, *span(ARTICLE_A, "Café owners in Seoul shrugged"), "call-to-action")
    bob = Store(store.conn, annotator="bob")
    bob.create(b, *span(ARTICLE_B, "Pyongyang tested the Hwasong-20 missile"), "claim", note="sanctions angle")
    bob.create(b, *span(ARTICLE_B, "Analysts doubt denuclearization will return"), "opinion")
    return Searcher(store)


def quotes(searcher: Searcher, query: str) -> list[str]:
    return [hit.annotation.quote for hit in searcher.annotations(query).hits]


@pytest.mark.parametrize("query", ["denuclearisation", "denuclearizaton", "DENUCLEARIZATION", "denucl"])
def test_typos_case_and_prefixes_find_denuclearization(searcher: Searcher, query: str) -> None:
    found = quotes(searcher, query)
    assert sorted(found) == ["Analysts doubt denuclearization will return", "Talks on denuclearization stalled again"]


@pytest.mark.parametrize("query", ["Hwasong 20", "Hwasnog-20", "hwasong20", "hwasong-20"])
def test_every_spelling_of_hwasong_20_finds_both(searcher: Searcher, query: str) -> None:
    found = quotes(searcher, query)
    assert len(found) == 2 and all("Hwasong-20" in q for q in found), found


def test_kim_jong_un_finds_kim_jong_hyphen_un(searcher: Searcher) -> None:
    assert quotes(searcher, "kim jong un") == ["Kim Jong-un watched the Hwasong-20 launch on Tuesday."]


def test_accents_are_ignored_both_ways(searcher: Searcher) -> None:
    assert quotes(searcher, "cafe owners") == ["Café owners in Seoul shrugged"]
    assert quotes(searcher, "café") == ["Café owners in Seoul shrugged"]


def test_matched_words_are_marked(searcher: Searcher) -> None:
    hit = searcher.annotations("hwasnog 20").hits[0]
    assert [hit.annotation.quote[a:b] for a, b in hit.marks] == ["Hwasong-20"]


def test_closer_matches_rank_first(searcher: Searcher) -> None:
    hits = searcher.annotations("ministry denied sanctions").hits
    assert hits[0].annotation.quote == "The ministry denied the report about sanctions."
    assert hits[0].score > (hits[1].score if len(hits) > 1 else 0)


def test_filters(searcher: Searcher) -> None:
    assert quotes(searcher, "tag:claim hwasong") == quotes(searcher, "hwasong tag:CLAIM")
    assert {q[:5] for q in quotes(searcher, "tag:claim")} == {"Kim J", "Pyong"}
    assert all("Analysts" not in q for q in quotes(searcher, "-tag:opinion denuclearization"))
    assert quotes(searcher, "-tag:opinion denuclearization") == []
    assert quotes(searcher, "by:bob denuclearization") == ["Analysts doubt denuclearization will return"]
    assert quotes(searcher, "in:missile hwasong") == ["Pyongyang tested the Hwasong-20 missile"]
    assert quotes(searcher, "note:date") == ["Talks on denuclearization stalled again"]
    assert quotes(searcher, "note:sanctions") == ["Pyongyang tested the Hwasong-20 missile"]
    # Free words also look in notes: "sanctions" is in one quote and one note.
    assert len(quotes(searcher, "sanctions")) == 2


def test_exact_phrase(searcher: Searcher) -> None:
    assert quotes(searcher, '"denied the report"') == ["The ministry denied the report about sanctions."]
    assert quotes(searcher, '"report the denied"') == []


@pytest.mark.parametrize(
    "query", ['"unbalanced quote', "AND", "NEAR(", "OR OR", "*", "", "   ", "!!!", "tag:", 'x"y"z"', "note:", "in:zzzz"]
)
def test_malformed_queries_never_raise_and_say_why_when_empty(searcher: Searcher, query: str) -> None:
    results = searcher.annotations(query)
    if not results.hits:
        assert results.hints, f"no results and no hint for {query!r}"


def test_unbalanced_quote_searches_the_rest_as_a_phrase(searcher: Searcher) -> None:
    results = searcher.annotations('"ministry denied')
    assert [h.annotation.quote for h in results.hits] == ["The ministry denied the report about sanctions."]
    assert any("quote" in hint for hint in results.hints)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_any_query_string_returns(query: str) -> None:
    store = Store.memory()
    article = store.add_article(ARTICLE_A, "A").article.id
    store.create(article, 0, 11, "claim")
    results = Searcher(store).annotations(query)
    assert isinstance(results.hits, list)


def test_index_follows_create_retag_note_delete_and_undo() -> None:
    store = Store.memory(annotator="alice")
    article = store.add_article(ARTICLE_A, "A").article.id
    searcher = Searcher(store, vocabulary_max_age=0)
    note = store.create(article, *span(ARTICLE_A, "The ministry denied"), "claim")
    assert quotes(searcher, "ministry") == ["The ministry denied"]
    store.retag(note.id, "quote")
    assert quotes(searcher, "tag:quote ministry") == ["The ministry denied"]
    store.set_note(note.id, "verify with embassy")
    assert quotes(searcher, "embassy") == ["The ministry denied"]
    store.set_note(note.id, "")
    assert quotes(searcher, "embassy") == []
    store.resize(note.id, *span(ARTICLE_A, "The ministry denied the report"))
    assert quotes(searcher, "report") == ["The ministry denied the report"]
    store.delete(note.id)
    assert quotes(searcher, "ministry") == []
    store.undo()
    assert quotes(searcher, "ministry") == ["The ministry denied the report"]
    store.redo()
    assert quotes(searcher, "ministry") == []


def test_passages_find_text_not_yet_annotated(searcher: Searcher) -> None:
    passages, _hints = searcher.passages("council")
    assert len(passages) == 1
    text = searcher.store.article(passages[0].article_id).text
    assert text[passages[0].start : passages[0].end] == "council"
    assert "council" in passages[0].snippet


def test_passages_forgive_typos_too(searcher: Searcher) -> None:
    passages, _hints = searcher.passages("shruged")  # one letter short
    assert [p.title for p in passages] == ["Korea launch report"]


def test_similar_lists_the_same_claim_in_the_other_article(searcher: Searcher) -> None:
    mine = next(a for a in searcher.store.annotations() if a.quote.startswith("Talks on denuclearization"))
    similar = searcher.similar(mine)
    assert similar and similar[0].annotation.quote == "Analysts doubt denuclearization will return"
    assert all(hit.annotation.article_id != mine.article_id for hit in similar)


def test_query_parsing_and_folding() -> None:
    query = parse('Hwasong-20 "Kim Jong" tag:Claim -tag:opinion by:Bob in:Seoul note:Date')
    assert query.words == ("hwasong", "20")
    assert query.phrases == (("kim", "jong"),)
    assert (query.tags, query.not_tags, query.annotators) == (("Claim",), ("opinion",), ("Bob",))  # as typed
    assert (query.title_words, query.note_words) == (("seoul",), ("date",))
    assert fold("Café ÉTÉ") == "cafe ete" and len(fold("e\u0301")) == 2
    assert fold("İstanbul’s Ⅻ") == "istanbul’s ⅻ"  # one character for one, even where lower() makes two
    assert tokens("Kim Jong-un, 2024!") == ["kim", "jong", "un", "2024"]


def test_a_file_database_is_searched_on_a_connection_of_its_own(file_store: Store) -> None:
    article = file_store.add_article(ARTICLE_B, "Missile test coverage").article.id
    file_store.create(article, *span(ARTICLE_B, "Sanctions were tightened"), "claim")
    searcher = Searcher(file_store)
    try:
        with searcher._reading() as conn:
            assert conn is not file_store.conn  # a long search never holds up a save
        assert quotes(searcher, "sanctoins") == ["Sanctions were tightened"]
        passages, _hints = searcher.passages("council")  # loads the vocabulary while reading
        assert [p.title for p in passages] == ["Missile test coverage"]
    finally:
        searcher.close()


def test_a_quoted_filter_value_is_one_value_and_a_filter_in_a_phrase_is_text() -> None:
    query = parse('tag:"My Label" -tag:"Other one" in:"ballistic bargain" note:"check date" by:"Ann Lee" sea')
    assert (query.tags, query.not_tags, query.annotators) == (("My Label",), ("Other one",), ("Ann Lee",))
    assert (query.title_words, query.note_words, query.words) == (("ballistic", "bargain"), ("check", "date"), ("sea",))
    assert not query.phrases and not query.hints
    inside = parse('"see tag:claim here"')
    assert inside.phrases == (("see", "tag", "claim", "here"),) and not inside.tags
    assert parse('tag:"My Label').tags == ("My Label",)  # an unbalanced quote closes at the end
    assert tag_key("My Label") == tag_key("my_label") == tag_key("MY  LABEL") == "my_label"


@pytest.fixture
def labelled() -> Searcher:
    """Tags as a dataset brings them: capital letters and spaces."""
    store = Store.memory(annotator="alice")
    store.set_tags([*store.tags(), Tag("Evidence", None, "#336699"), Tag("My Label", None, "#993366")])
    article = store.add_article(ARTICLE_A, "The ballistic bargain").article.id
    store.create(article, *span(ARTICLE_A, "Kim Jong-un watched"), "Evidence")
    store.create(article, *span(ARTICLE_A, "Talks on denuclearization"), "My Label", note="check the date")
    store.create(article, *span(ARTICLE_A, "The ministry denied"), "claim")
    return Searcher(store)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("tag:Evidence", ["Kim Jong-un watched"]),
        ("tag:evidence", ["Kim Jong-un watched"]),
        ("tag:EVIDENCE kim", ["Kim Jong-un watched"]),
        ('tag:"My Label"', ["Talks on denuclearization"]),
        ("tag:my_label", ["Talks on denuclearization"]),
        ("-tag:evidence -tag:My_Label", ["The ministry denied"]),
        ('-tag:"my label" -tag:claim', ["Kim Jong-un watched"]),
    ],
)
def test_tag_filters_ignore_case_and_take_underscore_or_quotes_for_a_space(
    labelled: Searcher, query: str, expected: list[str]
) -> None:
    assert quotes(labelled, query) == expected


def test_an_unknown_tag_finds_nothing_and_names_the_tags(labelled: Searcher) -> None:
    results = labelled.annotations("tag:evidense")
    assert results.hits == [] and any("no tag is named evidense" in hint and "My Label" in hint for hint in results.hints)
    results = labelled.annotations("-tag:evidense")  # excludes nothing, and says why
    assert len(results.hits) == 3 and any("no tag is named evidense" in hint for hint in results.hints)


def test_in_and_note_take_a_quoted_value(labelled: Searcher) -> None:
    assert quotes(labelled, 'in:"ballistic bargain"') == ["The ministry denied", "Talks on denuclearization",
                                                         "Kim Jong-un watched"]
    assert quotes(labelled, 'in:"ballistic nothing"') == []
    assert quotes(labelled, 'note:"check the date"') == ["Talks on denuclearization"]


def test_passages_forgive_typos_in_words_nobody_annotated() -> None:
    store = Store.memory(annotator="alice")
    store.add_article("A paparo bird sang over the harbour.", "Birds")
    store.create(store.add_article("Nothing here.", "Other").article.id, 0, 7, "claim")
    searcher = Searcher(store)
    for query in ("paparo", "paparro", "harbuor"):
        passages, _hints = searcher.passages(query)
        assert [p.title for p in passages] == ["Birds"], query


def test_a_phrase_passage_starts_at_the_phrase() -> None:
    store = Store.memory(annotator="alice")
    text = "Fishing fleets of the north went out. Later the storm over the Sea of Japan grew."
    store.add_article(text, "Storm")
    passages, _hints = Searcher(store).passages('"Sea of Japan"')
    assert len(passages) == 1
    assert (passages[0].start, passages[0].end) == span(text, "Sea of Japan")
    passages, _hints = Searcher(store).passages('fleets "sea of japan"')
    assert passages[0].start == text.index("Sea of Japan")


def test_a_word_annotated_here_becomes_typo_findable_soon_after_the_save() -> None:
    store = Store.memory(annotator="alice")
    article = store.add_article(ARTICLE_A, "Korea").article.id
    store.create(article, *span(ARTICLE_A, "Kim Jong-un watched"), "claim")
    searcher = Searcher(store, vocabulary_min_age=0.0)
    assert quotes(searcher, "ministyr") == []  # loads the vocabulary: "ministry" is not in it
    store.create(article, *span(ARTICLE_A, "The ministry denied"), "claim")
    assert quotes(searcher, "ministyr") == ["The ministry denied"]
    loaded = searcher.vocabulary()
    assert searcher.vocabulary() is loaded  # no save since: the cache is kept
    searcher.close()
    assert searcher._committed not in store.commit_hooks


def test_after_a_save_the_vocabulary_is_kept_for_its_minimum_age() -> None:
    store = Store.memory(annotator="alice")
    article = store.add_article(ARTICLE_A, "Korea").article.id
    searcher = Searcher(store, vocabulary_min_age=3600.0)
    loaded = searcher.vocabulary()
    store.create(article, *span(ARTICLE_A, "The ministry denied"), "claim")
    assert searcher.vocabulary() is loaded  # a burst of saves does not reload on every keystroke
    assert quotes(searcher, "ministry") == ["The ministry denied"]  # exact words never wait for it


def test_a_passage_is_where_the_query_s_words_stand_together(store: Store) -> None:
    """Not the title line that holds one of them: the excerpt shows the words found together."""
    text = ("Bike Lanes Approved\nThe city council voted 7-2 on Monday to approve twelve miles of "
            "protected bike lanes. Critics argue it costs too much.")
    store.add_article(text, "Bike Lanes Approved")
    passages, _hints = Searcher(store).passages("protectd bike")
    [passage] = passages
    assert passage.start == text.index("protected") and "protected bike lanes" in passage.snippet
