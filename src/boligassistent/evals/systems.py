"""The systems compared in one evaluation run, all behind `retrieve(question, k) -> [(doc_id, text)]`.

- bm25-plain: BM25 over lowercase word tokens (no stemming, stopwords or variant folding)
- bm25-norwegian: our BM25 arm (Norwegian analyzer)
- dense: our FAISS arm alone
- hybrid: our fused retriever
- hybrid+answer: hybrid plus the answering pipeline (answer metrics)
- llamaindex: LlamaIndex's stock hybrid (SentenceSplitter + BM25Retriever + FAISS VectorStoreIndex +
  QueryFusionRetriever in reciprocal-rank mode, num_queries=1), same embedder, fully offline; needs the
  `eval` extra, and the harness skips it with a message when that is not installed
"""

from __future__ import annotations

from collections.abc import Callable

from rank_bm25 import BM25Okapi

from boligassistent.evals.extra import MissingEvalExtra
from boligassistent.evals.subject import EvalSubject
from boligassistent.text.analyzer import plain_tokens

Retrieve = Callable[[str, int], list[tuple[str, str]]]
RETRIEVAL_SYSTEMS = ("bm25-plain", "bm25-norwegian", "dense", "hybrid", "llamaindex")
ALL_SYSTEMS = RETRIEVAL_SYSTEMS + ("hybrid+answer",)
DEFAULT_SYSTEMS = ("bm25-plain", "bm25-norwegian", "dense", "hybrid", "hybrid+answer", "llamaindex")


def bm25_plain(subject: EvalSubject) -> Retrieve:
    chunks = list(subject.index.iter_chunks())
    bm25 = BM25Okapi([plain_tokens(c.indexed_text) for c in chunks], k1=subject.bm25_k1, b=subject.bm25_b)

    def retrieve(question: str, k: int) -> list[tuple[str, str]]:
        scores = bm25.get_scores(plain_tokens(question))
        order = scores.argsort()[::-1][:k]
        return [(chunks[i].doc_id, chunks[i].text) for i in order if scores[i] > 0]

    return retrieve


def ours(subject: EvalSubject, mode: str) -> Retrieve:
    def retrieve(question: str, k: int) -> list[tuple[str, str]]:
        return [(h.chunk.doc_id, h.chunk.text) for h in subject.retriever.search(question, k=k, mode=mode).hits]

    return retrieve


def llamaindex_stock(subject: EvalSubject, chunk_size: int = 256, chunk_overlap: int = 32) -> Retrieve:
    """The 'afternoon build'. Chunk sizes are in LlamaIndex tokenizer units (here: words, offline).
    Raises MissingEvalExtra when the `eval` extra is not installed."""
    import faiss

    try:
        from llama_index.core import Document as LlamaDocument
        from llama_index.core import StorageContext, VectorStoreIndex
        from llama_index.core.node_parser import SentenceSplitter
        from llama_index.core.retrievers import QueryFusionRetriever
        from llama_index.core.retrievers.fusion_retriever import FUSION_MODES
        from llama_index.core.schema import QueryBundle
        from llama_index.retrievers.bm25 import BM25Retriever
        from llama_index.vector_stores.faiss import FaissVectorStore

        from boligassistent.retrieval.llama import LlamaEmbedding, configure_llama_offline
    except ModuleNotFoundError as exc:
        raise MissingEvalExtra("the llamaindex baseline", exc) from exc

    configure_llama_offline()
    embed_model = LlamaEmbedding(subject.embedder, cache=subject.embedding_cache)
    by_doc: dict[str, list[str]] = {}
    for chunk in subject.index.iter_chunks():  # reconstruct each document's text from our parse (no overlap duplicates)
        by_doc.setdefault(chunk.doc_id, [])
        if not by_doc[chunk.doc_id] or not chunk.text.startswith(by_doc[chunk.doc_id][-1][-50:]):
            by_doc[chunk.doc_id].append(chunk.text)
    documents = [LlamaDocument(text="\n\n".join(parts), metadata={"doc_id": doc_id}, excluded_embed_metadata_keys=["doc_id"],
                               excluded_llm_metadata_keys=["doc_id"]) for doc_id, parts in by_doc.items()]
    nodes = SentenceSplitter(chunk_size=chunk_size, chunk_overlap=chunk_overlap).get_nodes_from_documents(documents)
    vector_store = FaissVectorStore(faiss_index=faiss.IndexFlatIP(subject.embedder.dim))
    vector_index = VectorStoreIndex(nodes, storage_context=StorageContext.from_defaults(vector_store=vector_store),
                                    embed_model=embed_model)
    bm25 = BM25Retriever.from_defaults(nodes=nodes, similarity_top_k=10)
    fusion = QueryFusionRetriever([vector_index.as_retriever(similarity_top_k=10), bm25], mode=FUSION_MODES.RECIPROCAL_RANK,
                                  num_queries=1, similarity_top_k=10, use_async=False, llm=None)

    def retrieve(question: str, k: int) -> list[tuple[str, str]]:
        results = fusion.retrieve(QueryBundle(question))
        return [(n.node.metadata["doc_id"], n.node.get_content()) for n in results[:k]]

    return retrieve


def make_retriever(name: str, subject: EvalSubject) -> Retrieve:
    if name == "bm25-plain":
        return bm25_plain(subject)
    if name == "bm25-norwegian":
        return ours(subject, "bm25")
    if name == "dense":
        return ours(subject, "dense")
    if name in ("hybrid", "hybrid+answer"):
        return ours(subject, "hybrid")
    if name == "llamaindex":
        return llamaindex_stock(subject)
    raise ValueError(f"unknown system '{name}' (choose from {', '.join(ALL_SYSTEMS)})")
