"""A ``.reg`` file that puts certificates into the current user's Enterprise Trust store (method 2).

Cisco's guide has the admin import the self-signed server certificates on one client with
certmgr.msc, export ``HKCU\\Software\\Microsoft\\SystemCertificates\\Trust\\Certificates`` as a
.reg file, and push that file to every client by Group Policy. This module writes such a file
directly, from the certificates themselves:

* one key per certificate, named by its SHA-1 thumbprint in upper-case hex, holding a REG_BINARY
  value ``Blob`` (the layout of the SystemCertificates registry stores);
* the ``Blob`` is a serialized certificate store element: zero or more properties, then the
  encoded certificate as property 0x20 with the reserved word 1, its length (32-bit little
  endian) and the DER bytes. That layout is confirmed from Microsoft's [MS-GPEF] 2.2.1.1.1
  ("Certificate BLOB", which specifies it for a SystemCertificates registry store) and
  [MS-OSHARED] 2.3.2.5 (the same serialized element). This module writes no optional property;
  Windows' own export of the key also carries cached properties (the hashes, the key identifier),
  so the file is not byte for byte what regedit would export (modelled: not imported on a real
  Windows client by these tests);
* the text is what regedit writes: ``Windows Registry Editor Version 5.00``, UTF-16 little endian
  with a byte order mark, CRLF line ends, ``hex:`` bytes wrapped with a trailing backslash.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Sequence

from confcheck.errors import one_line

KEY = r"HKEY_CURRENT_USER\Software\Microsoft\SystemCertificates\Trust\Certificates"
"""Where Enterprise Trust keeps the current user's certificates (the guide's method 2)."""
CERTIFICATE_PROPERTY = 0x20
"""The serialized store element property that holds the encoded certificate."""
X509_ASN_ENCODING = 1
"""The reserved word after the property id: the certificate encoding (X.509 ASN.1)."""
WIDTH = 80


def thumbprint(der: bytes) -> str:
    """The SHA-1 thumbprint as Windows names the certificate's registry key."""
    return hashlib.sha1(der, usedforsecurity=False).hexdigest().upper()


def blob(der: bytes) -> bytes:
    """The ``Blob`` value of one certificate: its encoded-certificate element alone."""
    return struct.pack("<III", CERTIFICATE_PROPERTY, X509_ASN_ENCODING, len(der)) + der


def text(certificates: Sequence[tuple[str, bytes]]) -> str:
    """The .reg text for ``certificates`` ((a one-line description, DER)), with LF line ends."""
    lines = ["Windows Registry Editor Version 5.00", ""]
    for description, der in certificates:
        lines.append(f"; {one_line(description)}")
        lines.append(f"[{KEY}\\{thumbprint(der)}]")
        lines += _hex_value("Blob", blob(der))
        lines.append("")
    return "\n".join(lines) + "\n"


def encode(reg_text: str) -> bytes:
    """What regedit writes: UTF-16 little endian with a byte order mark, CRLF line ends."""
    return ("\ufeff" + reg_text.replace("\n", "\r\n")).encode("utf-16-le")


def _hex_value(name: str, data: bytes) -> list[str]:
    """``"name"=hex:..`` wrapped as regedit wraps it: lines under 80 columns ending in a backslash."""
    cells = [f"{b:02x}" for b in data]
    lines: list[str] = []
    line = f'"{name}"=hex:'
    for index, cell in enumerate(cells):
        piece = cell + ("," if index < len(cells) - 1 else "")
        if len(line) + len(piece) > WIDTH - 2:
            lines.append(line + "\\")
            line = "  "
        line += piece
    lines.append(line)
    return lines


def parse(reg_bytes: bytes) -> dict[str, bytes]:
    """Thumbprint -> Blob bytes of a .reg file this module wrote (for tests and for people checking one)."""
    content = reg_bytes.decode("utf-16").replace("\r\n", "\n")
    joined = content.replace("\\\n  ", "")
    found: dict[str, bytes] = {}
    key = None
    for line in joined.split("\n"):
        if line.startswith(f"[{KEY}\\") and line.endswith("]"):
            key = line[len(KEY) + 2 : -1]
        elif line.startswith('"Blob"=hex:') and key is not None:
            found[key] = bytes.fromhex(line.removeprefix('"Blob"=hex:').replace(",", ""))
    return found
