"""Detection: messages in, findings out.  Detectors never import parsers or the policy."""
