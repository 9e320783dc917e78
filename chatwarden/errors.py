"""The one exception tree of chatwarden.

::

    ChatwardenError
     ├── InputError                 bad input from a user; names the file and line/offset
     │    ├── EmptyExportError      the file holds no bytes (or only a byte-order mark)
     │    ├── NotAnExportError      no WhatsApp message header anywhere in the text
     │    ├── BinaryInputError      looks like a binary file, not a text export
     │    ├── DecodeError           bytes that are not valid in the detected encoding
     │    └── ArchiveError          a zip that cannot be read, or holds no chat
     │         └── UnsafeArchiveError   path traversal, absolute names, zip bombs
     ├── ConfigError                bad settings or a bad policy/config file (file:line)
     ├── StoreError                 the case store refused an operation
     │    ├── NotFoundError
     │    ├── ConflictError
     │    └── IntegrityError        audit chain or evidence hash mismatch
     ├── PermissionDenied           an actor lacks the permission an action needs
     └── WorkflowError              a step that the workflow does not allow now

Messages of these exceptions carry file names, line numbers, byte offsets, ids and counts:
never message text, participant names or identifiers found in chats.  Only the CLI and the
web app translate them into words for people.
"""

from __future__ import annotations


class ChatwardenError(Exception):
    """Base class of every error chatwarden raises on purpose."""

    exit_code = 1


class InputError(ChatwardenError):
    """Bad user input.  ``source`` is the file; ``line``/``offset`` locate the problem."""

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        line: int | None = None,
        offset: int | None = None,
    ) -> None:
        self.source = source
        self.line = line
        self.offset = offset
        self.reason = message
        where = []
        if source is not None:
            where.append(source)
        if line is not None:
            where.append(f"line {line}")
        if offset is not None:
            where.append(f"byte {offset}")
        prefix = ": ".join([", ".join(where)]) if where else ""
        super().__init__(f"{prefix}: {message}" if prefix else message)


class EmptyExportError(InputError):
    pass


class NotAnExportError(InputError):
    pass


class BinaryInputError(InputError):
    pass


class DecodeError(InputError):
    pass


class ArchiveError(InputError):
    pass


class UnsafeArchiveError(ArchiveError):
    pass


class ConfigError(ChatwardenError):
    """A settings, policy or register file is wrong.  ``problems`` lists every problem
    found (``file:line: message``) so all of them can be shown at once."""

    exit_code = 2

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        self.problems = list(problems or [])
        text = message
        if self.problems:
            text += "\n" + "\n".join(f"  {p}" for p in self.problems)
        super().__init__(text)


class StoreError(ChatwardenError):
    pass


class NotFoundError(StoreError):
    exit_code = 3


class ConflictError(StoreError):
    exit_code = 4


class IntegrityError(StoreError):
    exit_code = 5


class PermissionDenied(ChatwardenError):
    exit_code = 6


class WorkflowError(ChatwardenError):
    exit_code = 4
