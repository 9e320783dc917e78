"""The governance registers that the guidance and the FAQ require and no chat scanner
keeps (004_fb39a41d194af020.txt, Set Up and Configuration; 003_234e258f6f5f1c7a.txt,
FAQ 9, 13 and 19):

* :mod:`~chatwarden.registers.apps` approved apps: MAAM approvals and local authorisations;
* :mod:`~chatwarden.registers.devices` the device inventory and the set-up audit;
* :mod:`~chatwarden.registers.groups` groups, members and consent, reconciled with exports;
* :mod:`~chatwarden.registers.incidents` security incidents with the 12-hour and 72-hour clocks;
* :mod:`~chatwarden.registers.misconduct` misconduct cases (the FOI statistics' source);
* :mod:`~chatwarden.registers.dashboard` alerts across them.

Shared pieces: :mod:`~chatwarden.registers.csvio` (the one strict CSV reader/writer),
:mod:`~chatwarden.registers.clocks` (UTC storage, Europe/London display, deadlines),
:mod:`~chatwarden.registers.crest` (perceptual hash of the profile photo) and
:mod:`~chatwarden.registers.common` (check catalogue with citations, audited writes,
all-or-nothing imports).

Every use-case function takes the store and the actor first, checks the actor's permission
(``register.view``/``register.edit``, ``incident.report``/``incident.manage``,
``misconduct.view``/``misconduct.edit``), writes the audit entry in the transaction of the
change, and returns plain dicts or dataclasses.
"""
