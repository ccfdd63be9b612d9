"""Cohorts per park, their sessions, clash detection and enrolment."""
