"""Acting on findings: review (with four-eyes), cases, evidence preservation (the
Annex 1 playbook) and retention.  Every function takes the acting person, checks the
permission, does its work in one transaction and records it in the audit log."""
