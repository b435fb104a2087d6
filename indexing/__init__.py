"""Chunking, text analysis, embedding and the persisted hybrid (BM25 + FAISS) index."""
