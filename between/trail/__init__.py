"""Audit trail reports (ONC 170.315(d)(3)): who did what, to which record, when; by user, by
client and by period, on screen and as CSV. Reads `accounts.AuditEvent`; owns no models."""
