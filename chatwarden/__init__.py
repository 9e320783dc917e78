"""chatwarden: govern instant messaging on police-issued phones.

Policy as code, lawful business monitoring of chats, review, evidence preservation,
the registers the policy requires, and FOI transparency about all of it.
"""

__version__ = "0.1.0"
