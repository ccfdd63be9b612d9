"""Certificates: eligibility, frozen PDFs with QR codes, public verification, revocation."""
