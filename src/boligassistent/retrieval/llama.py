"""LlamaIndex integration: our hybrid retriever as a `BaseRetriever`, our embedder as a `BaseEmbedding`.

llama-index-core must run offline: `configure_llama_offline()` installs a local tokenizer (no tiktoken
download) and never lets it fall back to OpenAI defaults.
"""

from __future__ import annotations

from typing import Any

from llama_index.core import Settings as LlamaSettings
from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.llms import MockLLM
from llama_index.core.retrievers import BaseRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode
from pydantic import PrivateAttr

from boligassistent.indexing.embedder import Embedder, EmbeddingCache, embed_with_cache
from boligassistent.retrieval.retriever import HybridRetriever, SearchFilters
from boligassistent.retrieval.types import ScoredChunk
from boligassistent.text.analyzer import plain_tokens


def configure_llama_offline(embedder: Embedder | None = None) -> None:
    LlamaSettings.tokenizer = plain_tokens
    LlamaSettings.llm = MockLLM()
    if embedder is not None:
        LlamaSettings.embed_model = LlamaEmbedding(embedder)


class LlamaEmbedding(BaseEmbedding):
    """Adapter so LlamaIndex components use our (offline) embedder."""

    _embedder: Any = PrivateAttr()
    _cache: Any = PrivateAttr()

    def __init__(self, embedder: Embedder, cache: EmbeddingCache | None = None, **kwargs: Any) -> None:
        super().__init__(model_name=embedder.model_id, embed_batch_size=32, **kwargs)
        self._embedder = embedder
        self._cache = cache

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._embedder.embed_query(query).tolist()

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._get_text_embeddings([text])[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return embed_with_cache(self._embedder, texts, self._cache)[0].tolist()


def to_node(hit: ScoredChunk) -> NodeWithScore:
    chunk = hit.chunk
    node = TextNode(id_=chunk.chunk_id, text=chunk.text, metadata={
        "doc_id": chunk.doc_id, "title": chunk.title, "kind": chunk.kind, "label": chunk.label,
        "citation": chunk.citation(), "pages": list(chunk.pages) if chunk.pages else None, "url": chunk.url,
        **{f"{arm}_rank": arm_hit.rank for arm, arm_hit in hit.arms.items()},
    })
    return NodeWithScore(node=node, score=hit.score)


class HybridLlamaRetriever(BaseRetriever):
    """The same hybrid pipeline, composable with LlamaIndex query engines."""

    def __init__(self, retriever: HybridRetriever, top_k: int = 8, filters: SearchFilters | None = None) -> None:
        super().__init__()
        self._retriever = retriever
        self._top_k = top_k
        self._filters = filters

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        result = self._retriever.search(query_bundle.query_str, k=self._top_k, filters=self._filters)
        return [to_node(hit) for hit in result.hits]
