"""The one error AXL calls raise: a kind for programs, a one-line message for people."""

from __future__ import annotations

from confcheck.errors import ConfcheckError, ExitCode, one_line

KINDS = ("auth", "throttled", "version", "fault", "http", "connect", "timeout", "tls", "protocol")
"""Every ``AxlError.kind``."""


class AxlError(ConfcheckError):
    """An AXL call that failed: ``kind`` (one of :data:`KINDS`) for programs, the message for people.

    ``axlcode`` is CUCM's code for a ``fault`` (5007 not found, -201 SQL syntax, ...);
    ``supported`` lists the AXL versions a server named in its ``version`` answer (HTTP 599).
    """

    exit_code = ExitCode.INCOMPLETE

    def __init__(
        self, kind: str, message: str, *, axlcode: int | None = None, supported: tuple[str, ...] = ()
    ) -> None:
        super().__init__(one_line(message))
        self.kind = kind
        self.axlcode = axlcode
        self.supported = supported
