"""Prometheus metrics for the service (own registry, so tests and reloads stay independent)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("bolig_http_requests_total", "HTTP requests", ["method", "route", "status"],
                                registry=self.registry)
        self.unhandled_errors = Counter("bolig_http_unhandled_errors_total", "Requests that failed with an unhandled "
                                        "exception (answered 500)", ["method", "route"], registry=self.registry)
        self.latency = Histogram("bolig_http_request_seconds", "HTTP request latency", ["route"], registry=self.registry,
                                 buckets=(0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10))
        self.answers = Counter("bolig_answers_total", "Answers given", ["abstained", "backend"], registry=self.registry)
        self.index_chunks = Gauge("bolig_index_chunks", "Chunks in the loaded index", registry=self.registry)
        self.index_documents = Gauge("bolig_index_documents", "Documents in the loaded index", registry=self.registry)
        self.index_reloads = Counter("bolig_index_reloads_total", "Index hot swaps", registry=self.registry)
        self.feedback = Counter("bolig_feedback_total", "Feedback received", ["rating"], registry=self.registry)
