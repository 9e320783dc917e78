"""Reports for people: the scan report, FOI statistics and disclosures."""
