"""Cross-cutting helpers: errors, permissions, audit trail, time, CSV, pagination, security."""
