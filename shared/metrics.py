"""The Prometheus metrics of nianbao: every metric object lives here, on one registry.

Services increment them; `shared.http` serves them on `/metrics`. Labels are kept to small,
closed sets (service, subject, outcome, kind): never a URL, an agency or an event id, which
would make one time series per value.

    events      nianbao_events_processed_total{service,subject}        acked after the use case ran
                nianbao_events_failed_total{service,subject,outcome}   outcome: retry | dead_letter
                nianbao_event_processing_seconds{service,subject}      histogram, use case + settle
    consumers   nianbao_consumer_pending{consumer}                     messages not yet delivered
                nianbao_consumer_ack_pending{consumer}                 delivered, not yet acked
    crawling    nianbao_crawl_requests_total{kind}                     kind: list | detail | attachment | robots
                nianbao_crawl_errors_total{reason}                     reason: timeout | http | blocked | robots | other
    mail        nianbao_emails_sent_total
                nianbao_emails_failed_total{kind}                      kind: transient | permanent
    dead letters nianbao_dead_letters_total{service,origin}            origin: settle | advisory
"""

from __future__ import annotations

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)

REGISTRY = CollectorRegistry(auto_describe=True)
ProcessCollector(registry=REGISTRY)
PlatformCollector(registry=REGISTRY)

EVENTS_PROCESSED = Counter(
    "nianbao_events_processed_total",
    "Events whose use case succeeded and that were acknowledged.",
    ["service", "subject"],
    registry=REGISTRY,
)
EVENTS_FAILED = Counter(
    "nianbao_events_failed_total",
    "Events whose use case failed: retried later (retry) or dead-lettered (dead_letter).",
    ["service", "subject", "outcome"],
    registry=REGISTRY,
)
PROCESSING_SECONDS = Histogram(
    "nianbao_event_processing_seconds",
    "Time from receiving an event to settling it (ack, nak or dead letter).",
    ["service", "subject"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0),
    registry=REGISTRY,
)
CONSUMER_PENDING = Gauge(
    "nianbao_consumer_pending",
    "Messages on the stream that the consumer has not delivered yet (its lag).",
    ["consumer"],
    registry=REGISTRY,
)
CONSUMER_ACK_PENDING = Gauge(
    "nianbao_consumer_ack_pending",
    "Messages delivered by the consumer and not acknowledged yet.",
    ["consumer"],
    registry=REGISTRY,
)
CRAWL_REQUESTS = Counter(
    "nianbao_crawl_requests_total",
    "HTTP requests made by the crawler.",
    ["kind"],
    registry=REGISTRY,
)
CRAWLS = Counter(
    "nianbao_crawls_total",
    "Crawls of a source, by outcome: ok, blocked, failed, empty (lists read, nothing found).",
    ["status"],
    registry=REGISTRY,
)
CRAWL_ERRORS = Counter(
    "nianbao_crawl_errors_total",
    "Crawler requests that failed, by reason.",
    ["reason"],
    registry=REGISTRY,
)
EMAILS_SENT = Counter(
    "nianbao_emails_sent_total",
    "Emails accepted by the SMTP server.",
    registry=REGISTRY,
)
EMAILS_FAILED = Counter(
    "nianbao_emails_failed_total",
    "Email attempts that failed: transient (retried later) or permanent (given up).",
    ["kind"],
    registry=REGISTRY,
)
DEAD_LETTERS = Counter(
    "nianbao_dead_letters_total",
    "Dead letters published, by the service that gave up and how it was noticed.",
    ["service", "origin"],
    registry=REGISTRY,
)


def exposition() -> bytes:
    """Every metric in the Prometheus text format."""
    return generate_latest(REGISTRY)
