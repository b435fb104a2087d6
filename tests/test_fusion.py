"""Arms and their fusion: weighted RRF over any list of arms, the cited-§ arm, and an arm added from outside."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from boligassistent.domain.documents import Chunk
from boligassistent.retrieval.arms.base import ArmQuery
from boligassistent.retrieval.arms.references import ReferencesArm, law_references
from boligassistent.retrieval.fusion import FusionConfig
from boligassistent.retrieval.retriever import HybridRetriever
from boligassistent.retrieval.store import Candidate
from boligassistent.runtime import fusion_config, retrieval_arms


def chunk(chunk_id: str, text: str = "", kind: str = "veiledning", label: str = "") -> Chunk:
    return Chunk(chunk_id=chunk_id, doc_id=chunk_id.split("#")[0], section_id="s", ordinal=int(chunk_id.split("#")[1]),
                 text=text, header="", label=label or chunk_id, title="T", kind=kind, heading_path=[])


@dataclass
class FixedArm:
    """An arm returning the same ranking for every query (scores 1/rank)."""

    name: str
    ranking: list[Chunk]

    def search(self, query: ArmQuery) -> list[Candidate]:
        return [Candidate(c, 1.0 / rank) for rank, c in enumerate(self.ranking[: query.n], start=1)]


A, B, C, D = (chunk(f"doc{i}#1") for i in "abcd")
RRF_WEIGHTS = {"bm25": 2.0, "dense": 1.0, "references": 1.0, "legal": 5.0}  # the RRF arithmetic below assumes these


def rrf(**fields) -> FusionConfig:
    return FusionConfig(**{"method": "rrf", "weights": RRF_WEIGHTS, **fields})


def test_one_arm_keeps_its_own_order():
    result = HybridRetriever([FixedArm("bm25", [B, A, C])], rrf()).search("q", k=2)
    assert [h.chunk for h in result.hits] == [B, A]
    assert result.hits[0].score == 2.0 / 61 and result.hits[0].arms["bm25"].rank == 1
    assert set(result.timings_ms) == {"bm25", "fuse", "total"}


def test_two_arms_fuse_by_weighted_rrf():
    lexical, dense = FixedArm("bm25", [A, B, C]), FixedArm("dense", [C, B, D])
    hits = HybridRetriever([lexical, dense], rrf(weights={"bm25": 1.0, "dense": 1.0})).search("q", k=4).hits
    assert [h.chunk for h in hits] == [C, B, A, D]  # 1/63 + 1/61 > 1/62 + 1/62 > 1/61 = 1/61 (A arrived first)
    assert hits[0].score == 1 / 63 + 1 / 61 and hits[0].arm_rank("bm25") == 3 and hits[0].arm_rank("dense") == 1
    assert hits[2].arm_rank("dense") is None and hits[2].arm_score("bm25") == 1.0
    # the default weights favour BM25 (2.0 against 1.0): B (2/62 + 1/62) overtakes C (2/63 + 1/61)
    assert [h.chunk for h in HybridRetriever([lexical, dense], rrf()).search("q", k=2).hits] == [B, C]
    # one arm alone (search mode = its name) at weight 1
    only_dense = HybridRetriever([lexical, dense], rrf()).search("q", k=3, mode="dense").hits
    assert [h.chunk for h in only_dense] == [C, B, D] and only_dense[0].score == 1 / 61


def test_equal_fused_scores_go_to_the_lower_sum_of_ranks():
    fillers = [chunk(f"fill{i}#1") for i in range(61)]
    lexical, dense = FixedArm("bm25", fillers + [A]), FixedArm("dense", [B])
    fusion = rrf(weights={"bm25": 2.0, "dense": 1.0}, candidates=100)
    hits = HybridRetriever([lexical, dense], fusion).search("q", k=100).hits
    ranked = [h.chunk.chunk_id for h in hits]
    a, b = ranked.index(A.chunk_id), ranked.index(B.chunk_id)
    assert hits[a].score == hits[b].score  # 2 / (60 + 62) = 1 / (60 + 1)
    assert b == a - 1  # rank sums: B 1 + missing, A 62 + missing (A arrived first)


def test_three_arms_and_a_weight_of_zero_switches_an_arm_off():
    arms = [FixedArm("bm25", [A, B]), FixedArm("dense", [A, C]), FixedArm("extra", [D, C])]
    hits = HybridRetriever(arms, rrf(weights={"bm25": 1.0, "dense": 1.0, "extra": 3.0})).search("q", k=4).hits
    assert [h.chunk for h in hits] == [C, D, A, B] and set(hits[0].arms) == {"dense", "extra"}
    off = HybridRetriever(arms, rrf(weights={"bm25": 1.0, "dense": 1.0, "extra": 0.0})).search("q", k=4)
    assert [h.chunk for h in off.hits] == [A, B, C] and "extra" not in off.timings_ms


def test_max_per_doc_diversifies_the_top():
    same = [chunk("doc#1"), chunk("doc#2"), chunk("doc#3"), chunk("other#1")]
    hits = HybridRetriever([FixedArm("bm25", same)], rrf(max_per_doc=2)).search("q", k=3).hits
    assert [h.chunk.chunk_id for h in hits] == ["doc#1", "doc#2", "other#1"]


def test_the_references_arm_lifts_cited_sections_that_an_earlier_arm_found():
    guidance = chunk("veileder#1", "Se bustøttelova § 4 og husleieloven § 9-9 om heving.")
    cited = chunk("bustotte#4", "Vilkår for bustøtte.", kind="lov", label="Bustøttelova  § 4")
    heving = chunk("husleie#9", "Heving.", kind="lov", label="husleieloven § 9-9")
    unrelated = chunk("annet#1", "Noe annet.")
    assert law_references(guidance.text) == ["bustøttelova § 4", "husleieloven § 9-9"]
    lexical = FixedArm("bm25", [guidance, unrelated] + [chunk(f"fyll{i}#1") for i in range(8)] + [cited])
    references = ReferencesArm(from_top=5)
    fusion = rrf(weights={"bm25": 1.0, "references": 1.0})
    hits = HybridRetriever([lexical, references], fusion).search("q", k=3).hits
    # § 4 was found by the lexical arm far down (rank 11) and is cited by the top hit: it rises to the top
    assert [h.chunk for h in hits[:2]] == [cited, guidance]
    assert hits[0].arms["references"].rank == 1 and hits[0].arms["references"].score == 1.0
    # husleieloven § 9-9 is cited too, but no earlier arm found it: never added
    assert all(h.chunk != heving for h in HybridRetriever([lexical, references], fusion).search("q", k=20).hits)
    # only the fused top is read: cited from outside the top 1, nothing is lifted
    assert ReferencesArm(from_top=1).search(ArmQuery("q", None, 10, fused=[unrelated], earlier=[])) == []
    # alone, it has no earlier arms to read
    assert HybridRetriever([lexical, references], rrf()).search("q", mode="references").hits == []


def test_a_bare_section_is_read_as_a_section_of_the_law_named_before_it_or_beside_it():
    text = "Det krever tvangsgrunnlag etter tvangsfullbyrdelsesloven § 13-2, og varsel etter § 4-18."
    assert law_references(text) == ["tvangsfullbyrdelsesloven § 13-2"]
    assert law_references(text, bare=True) == ["tvangsfullbyrdelsesloven § 13-2", "tvangsfullbyrdelsesloven § 4-18"]
    assert law_references("Namsmannen forelegger begjæringen (§ 13-6).", ("tvangsfullbyrdelsesloven",), bare=True) == \
        ["tvangsfullbyrdelsesloven § 13-6"]
    assert law_references("Se §§ 4 og 5.", ("husleieloven",), bare=True) == []  # "§§" lists are not pointers


def test_the_references_arm_follows_a_bare_section_in_guidance_but_not_an_overview_or_a_law():
    pointer = chunk("veileder#2", "Namsmannen forelegger begjæringen for leietakeren (§ 13-6) og kan klages inn (§ 5-16).")
    sibling = chunk("veileder#1", "Utkastelse krever tvangsgrunnlag etter tvangsfullbyrdelsesloven § 13-2.")
    overview = chunk("oversikt#1", "Fristene står i § 8-6, § 11-8 og § 13-7 i tvangsfullbyrdelsesloven.")
    own = chunk("tfl#1", "Se § 13-8.", kind="lov", label="tvangsfullbyrdelsesloven § 13-1")
    cited = {n: chunk(f"tfl#{i}", f"Paragraf {n}.", kind="lov", label=f"tvangsfullbyrdelsesloven § {n}")
             for i, n in enumerate(["13-6", "8-6", "13-8", "13-2"], start=2)}
    fillers = [chunk(f"fyll{i}#1") for i in range(8)]
    lexical = FixedArm("bm25", [pointer, sibling, overview, own] + fillers + list(cited.values()))
    hits = HybridRetriever([lexical, ReferencesArm(from_top=5)], rrf(weights={"bm25": 1.0, "references": 1.0})
                           ).search("q", k=30).hits
    lifted = {h.chunk.label for h in hits if h.arm_rank("references")}
    # § 13-6: a pointer in guidance whose sibling hit names the law; § 13-2 is named; § 8-6 is in an overview (three
    # §§, above `bare_max`); § 13-8 is a bare § in a law's own section
    assert lifted == {"tvangsfullbyrdelsesloven § 13-6", "tvangsfullbyrdelsesloven § 13-2"}
    assert [h.chunk for h in hits[:3]] == [cited["13-6"], cited["13-2"], pointer]  # from ranks 13 and 16 to the top
    strict = HybridRetriever([lexical, ReferencesArm(from_top=5, bare_max=1)], rrf(weights={"bm25": 1.0, "references": 1.0}))
    assert [h.chunk for h in strict.search("q", k=2).hits] == [cited["13-2"], pointer]  # the pointer cites two §§: > 1


def test_a_toy_arm_changes_the_ranking_without_touching_retrieval(unit_runtime):
    """Adding an arm is a class with a name and `search`, plus one entry in the arm list (runtime.py)."""

    @dataclass
    class DocumentArm:  # a toy arm: the chunks of documents whose id contains a word of the query
        store: object
        name: str = "document"

        def search(self, query: ArmQuery) -> list[Candidate]:
            words = [w.strip("()?").lower() for w in query.text.split()]
            return [Candidate(c, 1.0) for c in self.store.iter_chunks() if any(w in c.doc_id for w in words)][: query.n]

    settings, index, embedder = unit_runtime.settings, unit_runtime.index, unit_runtime.embedder
    fusion = fusion_config(settings)
    question = "Kan en student få bostøtte? (txt)"
    before = HybridRetriever(retrieval_arms(index, embedder, fusion), fusion).search(question, k=5)
    toy_fusion = FusionConfig(weights={**fusion.weights, "document": 10.0})
    with_toy = HybridRetriever(retrieval_arms(index, embedder, toy_fusion) + [DocumentArm(index)], toy_fusion)
    after = with_toy.search(question, k=5)
    assert before.hits[0].chunk.doc_id != "notater.txt"
    assert after.hits[0].chunk.doc_id == "notater.txt" and after.hits[0].arm_rank("document") == 1
    assert after.hits[1].chunk == before.hits[0].chunk  # the other arms still rank the rest
    assert "document" in after.timings_ms and with_toy.modes == ["hybrid", "bm25", "dense", "legal", "references", "document"]


def test_an_unknown_mode_names_the_arms(unit_runtime):
    with pytest.raises(ValueError, match="hybrid, bm25, dense, legal, references"):
        unit_runtime.retriever.search("husleie", mode="lexical")


@dataclass
class RecordingArm:
    """An arm that remembers the text it was asked to search."""

    name: str
    seen: list[str]

    def search(self, query: ArmQuery) -> list[Candidate]:
        self.seen.append(query.text)
        return [Candidate(A, 1.0)]


def test_every_arm_searches_a_law_abbreviation_as_the_acts_name():
    from boligassistent.retrieval.law_catalog import LawCatalog
    catalog = LawCatalog.from_documents([{"doc_id": "lover/husleie.md", "kind": "lov", "short_title": "husleieloven",
                                          "title": "Lov om husleieavtaler (husleieloven)", "meta": {}}])
    lexical, dense = RecordingArm("bm25", []), RecordingArm("dense", [])
    result = HybridRetriever([lexical, dense], rrf(weights={"bm25": 1.0, "dense": 1.0}), catalog=catalog).search(
        "maks depositum hl.?", k=1)
    assert lexical.seen == dense.seen == ["maks depositum husleieloven?"]
    assert result.query == "maks depositum husleieloven?" and "hl" not in result.query_terms
    HybridRetriever([lexical], rrf(weights={"bm25": 1.0})).search("maks depositum hl.?", k=1)  # no catalog: as asked
    assert lexical.seen[-1] == "maks depositum hl.?"


def test_the_first_hits_are_reordered_by_their_best_sentence():
    from boligassistent.retrieval.sentence_rerank import best_sentence_share, rerank_by_sentence
    from boligassistent.retrieval.types import ScoredChunk
    from boligassistent.text.analyzer import analyze

    lead = chunk("art#1", "Ekspedisjonen var den første som overvintret på fastlandet. Den var britisk finansiert.")
    answer = chunk("art#2", "Skipet hadde mannskap fra Norge. Southern Cross-ekspedisjonen startet i 1898 fra London.")
    far = chunk("other#1", "Southern Cross-ekspedisjonen startet fra London, skrev avisen.")
    terms = analyze("Når startet Southern Cross-ekspedisjonen?")
    idf = dict.fromkeys(terms, 1.0)
    assert best_sentence_share(answer.text, set(terms), idf, {}) > best_sentence_share(lead.text, set(terms), idf, {})
    hits = [ScoredChunk(lead, 1.0), ScoredChunk(answer, 0.9), ScoredChunk(far, 0.8)]
    assert [h.chunk for h in rerank_by_sentence(hits, terms, idf, {}, depth=2, weight=0.3)] == [answer, lead, far]
    assert rerank_by_sentence(hits, terms, idf, {}, depth=2, weight=0.0) == hits  # off
    # a hit far behind in fused score does not move up however well its sentence matches
    far_behind = [ScoredChunk(lead, 1.0), ScoredChunk(answer, 0.2)]
    assert rerank_by_sentence(far_behind, terms, idf, {}, depth=2, weight=0.3) == far_behind


def test_the_hybrid_retriever_reorders_by_sentence_only_in_hybrid_mode_with_an_idf():
    first = chunk("art#1", "Ekspedisjonen var den første som overvintret på fastlandet.")
    second = chunk("art#2", "Southern Cross-ekspedisjonen startet i 1898.")
    arms = [FixedArm("bm25", [first, second])]
    config = rrf(weights={"bm25": 1.0}, sentence_weight=0.5)
    idf = lambda terms: dict.fromkeys(terms, 1.0)  # noqa: E731
    question = "Når startet Southern Cross-ekspedisjonen?"
    assert [h.chunk for h in HybridRetriever(arms, config, term_idf=idf).search(question, k=2).hits] == [second, first]
    assert [h.chunk for h in HybridRetriever(arms, config).search(question, k=2).hits] == [first, second]  # no idf
    assert [h.chunk for h in HybridRetriever(arms, config, term_idf=idf).search(question, k=2, mode="bm25").hits] == \
        [first, second]  # an arm alone is shown as it ranks
