"""Programme dashboards and reports."""
