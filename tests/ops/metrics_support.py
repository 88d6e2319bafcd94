"""Reading /metrics in tests."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

TOKEN = "metrics-test-token-0123456789"


def value(text: str, name: str, **labels: str) -> float:
    """The sample `name{labels}` of an exposition text (the sum over any other labels),
    0 when absent."""
    total = 0.0
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                total += sample.value
    return total
