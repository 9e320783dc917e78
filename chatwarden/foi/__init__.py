"""Freedom of Information: statistics with disclosure control, clean release files,
redaction with review, response letters and the FOI request register.

Modules: :mod:`~chatwarden.foi.stats` (tables from the misconduct register),
:mod:`~chatwarden.foi.disclosure` (coarsening, primary and secondary suppression, rounding,
the suppression report), :mod:`~chatwarden.foi.outputs` (CSV, XLSX, HTML, PDF, DOCX),
:mod:`~chatwarden.foi.redact` (propose, review, release), :mod:`~chatwarden.foi.draft`
(the response letter), :mod:`~chatwarden.foi.deadlines` (20 working days, bank holidays),
:mod:`~chatwarden.foi.requests` (the register) and :mod:`~chatwarden.foi.service` (the use
cases the CLI and the web app call: permission ``foi.use``, audited).
"""
