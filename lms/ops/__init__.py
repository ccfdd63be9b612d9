"""Operations: proxy headers, health and readiness checks, Prometheus metrics, request logs."""
