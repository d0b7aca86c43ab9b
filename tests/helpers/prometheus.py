"""What the tests ask a real Prometheus about the test exporter (tests/conftest.py), and a
window of two metric panes on it: shared by the source's tests and the window's."""

from __future__ import annotations

import json

SEL = 'namespace="${namespace}",service="${service}"'
#: rates over 10 s windows: a test sees a change of traffic within seconds
QUERIES = {
    "sse": f"sum by (version) (sse_connections{{{SEL}}})",
    "errors": (
        f'sum by (version) (rate(http_requests_total{{{SEL},status=~"5.."}}[10s]))'
        f" / sum by (version) (rate(http_requests_total{{{SEL}}}[10s]))"
    ),
    "p95": (
        "histogram_quantile(0.95, sum by (le, version) "
        f"(rate(http_request_duration_seconds_bucket{{{SEL}}}[10s])))"
    ),
    "purple": 'sum(sse_connections{version="purple"})',
}

#: the error rate and p95 panes, judged by the rules of `plan.yaml` beside the layout
WINDOW_LAYOUT = f"""\
title: Window rules
vars: {{service: valeo-erp}}
checklists: {{plan: plan.yaml}}
rules: plan
queries: {json.dumps({k: QUERIES[k] for k in ("errors", "p95")})}
rows:
  - panes:
      - {{id: errors, kind: metric, query: errors, metric: error_rate, unit: ratio}}
      - {{id: p95, kind: metric, query: p95, metric: p95_latency, unit: seconds}}
"""
