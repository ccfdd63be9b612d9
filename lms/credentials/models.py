"""No tables of its own: a certificate's status index and credential live on the certificate
(lms.certificates.models), the signing keys in a file (lms.credentials.keys)."""
