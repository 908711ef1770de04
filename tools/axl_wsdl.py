"""Write confcheck's compact AXL WSDL and schema for every AXL version it speaks, from one template.

Why a generator: eleven versions of the same few operations differ in three places only (what
8.5 lacks, what 10.0 and 12.5 add). Written by hand they would drift apart; generated from one
template, a difference between versions is a line of this script that says which version brought
it. The product ships the generated files (``confcheck/transport/axl/wsdl/<version>/``) and never
runs this script; ``tests/test_axl_wsdl.py`` fails when the shipped files differ from what it
writes, and ``tests/test_axl.py`` holds every request built from them to Cisco's real schema.

Nothing here is read from Cisco's files: element names, their order and the namespaces are AXL's
wire format as Cisco's schema reference describes it; the types are confcheck's own (plain strings
where AXL has enumerations, patterns or integer unions: a reader accepts what a server sends and
leaves the judging to confcheck).

    python tools/axl_wsdl.py            # write the files
    python tools/axl_wsdl.py --check    # exit 1 if a shipped file differs
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

VERSIONS = ("8.5", "9.0", "9.1", "10.0", "10.5", "11.0", "11.5", "12.0", "12.5", "14.0", "15.0")
"""Must equal ``confcheck.transport.axl.VERSIONS`` (a test checks)."""
OUT = Path(__file__).resolve().parents[1] / "confcheck" / "transport" / "axl" / "wsdl"


def _at_least(version: str, other: str) -> bool:
    def key(text: str) -> tuple[int, int]:
        major, minor = text.split(".")
        return int(major), int(minor)

    return key(version) >= key(other)


def operations(version: str) -> list[str]:
    """The operations confcheck calls in ``version``: UC services and service profiles arrived in 9.0."""
    names = ["getCCMVersion", "listProcessNode", "executeSQLQuery"]
    if _at_least(version, "9.0"):
        names += ["listUcService", "getUcService", "listServiceProfile", "getServiceProfile"]
    return names


def _elements(*rows: str, indent: int = 6) -> str:
    pad = " " * indent
    return "\n".join(pad + row for row in rows)


def _string(name: str, extra: str = "") -> str:
    return f'<xsd:element name="{name}" type="xsd:string" minOccurs="0"{extra}/>'


SEQUENCE = '<xsd:attribute name="sequence" type="xsd:unsignedLong"/>'
UUID = '<xsd:attribute name="uuid" type="xsd:string"/>'
ANY = (
    "<xsd:complexType><xsd:sequence>"
    '<xsd:any namespace="##local" processContents="skip" minOccurs="0" maxOccurs="unbounded"/>'
    "</xsd:sequence></xsd:complexType>"
)


def _request(name: str, body: str, sequence: bool = True) -> str:
    return (
        f'  <xsd:element name="{name}">\n    <xsd:complexType>\n      <xsd:sequence>\n{body}\n'
        f"      </xsd:sequence>\n" + (f"      {SEQUENCE}\n" if sequence else "") + "    </xsd:complexType>\n"
        "  </xsd:element>"
    )


def _response(name: str, inner: str) -> str:
    """``<nameResponse sequence=?><return>inner</return></nameResponse>``."""
    return (
        f'  <xsd:element name="{name}Response">\n    <xsd:complexType>\n      <xsd:sequence>\n'
        '        <xsd:element name="return">\n          <xsd:complexType>\n            <xsd:sequence>\n'
        f"              {inner}\n"
        "            </xsd:sequence>\n          </xsd:complexType>\n        </xsd:element>\n"
        f"      </xsd:sequence>\n      {SEQUENCE}\n    </xsd:complexType>\n  </xsd:element>"
    )


def _fields(name: str, rows: list[str]) -> str:
    body = "\n".join(f"      {row}" for row in rows)
    return (
        f'  <xsd:complexType name="{name}">\n    <xsd:sequence minOccurs="0">\n{body}\n'
        f"    </xsd:sequence>\n    {UUID}\n  </xsd:complexType>"
    )


def _list(name: str, criteria: list[str], returned: str) -> str:
    search = "\n".join(f"              {row}" for row in criteria)
    body = (
        '        <xsd:element name="searchCriteria">\n          <xsd:complexType>\n'
        f"            <xsd:sequence>\n{search}\n            </xsd:sequence>\n"
        "          </xsd:complexType>\n        </xsd:element>\n"
        f'        <xsd:element name="returnedTags" type="axl:{returned}"/>\n'
        '        <xsd:element name="skip" type="xsd:unsignedLong" minOccurs="0"/>\n'
        '        <xsd:element name="first" type="xsd:unsignedLong" minOccurs="0"/>'
    )
    return _request(name, body)


def _get(name: str, returned: str) -> str:
    body = (
        "        <xsd:choice>\n"
        '          <xsd:element name="name" type="xsd:string"/>\n'
        '          <xsd:element name="uuid" type="xsd:string"/>\n'
        "        </xsd:choice>\n"
        f'        <xsd:element name="returnedTags" type="axl:{returned}" minOccurs="0"/>'
    )
    return _request(name, body)


def schema(version: str) -> str:
    """The compact AXLSoap.xsd of ``version``."""
    ns = f"http://www.cisco.com/AXL/API/{version}"
    role = _at_least(version, "10.0")  # CUCM and IM and Presence nodes share System > Server from 10.0
    node_fields = [_string("name"), _string("description"), _string("mac"), _string("ipv6Name")]
    node_fields.append(_string("nodeUsage"))
    if _at_least(version, "9.0"):
        node_fields.append('<xsd:element name="lbmHubGroup" type="axl:Reference" minOccurs="0"/>')
    if role:
        node_fields.append(_string("processNodeRole"))
    node_criteria = [_string("name"), _string("description")] + ([_string("processNodeRole")] if role else [])
    parts = [
        "  <!-- getCCMVersion: the full CUCM version -->",
        _request(
            "getCCMVersion",
            '        <xsd:element name="processNodeName" type="xsd:string" minOccurs="0"/>',
            sequence=False,
        ),
        _response(
            "getCCMVersion",
            '<xsd:element name="componentVersion"><xsd:complexType><xsd:sequence>'
            '<xsd:element name="version" type="xsd:string"/>'
            "</xsd:sequence></xsd:complexType></xsd:element>",
        ),
        "",
        "  <!-- listProcessNode: System > Server -->",
        '  <xsd:complexType name="Reference">\n    <xsd:simpleContent>\n'
        f'      <xsd:extension base="xsd:string">{UUID}</xsd:extension>\n'
        "    </xsd:simpleContent>\n  </xsd:complexType>",
        _fields("ProcessNodeFields", node_fields),
        _list("listProcessNode", node_criteria, "ProcessNodeFields"),
        _response(
            "listProcessNode",
            '<xsd:element name="processNode" type="axl:ProcessNodeFields" minOccurs="0" maxOccurs="unbounded"/>',
        ),
        "",
        "  <!-- executeSQLQuery: each row holds one element per column, named after it -->",
        _request("executeSQLQuery", '        <xsd:element name="sql" type="xsd:string"/>'),
        _response(
            "executeSQLQuery",
            '<xsd:element name="row" type="xsd:anyType" minOccurs="0" maxOccurs="unbounded"/>',
        ),
    ]
    if _at_least(version, "9.0"):
        service = [
            _string("serviceType"),
            _string("productType"),
            _string("name"),
            _string("description"),
            _string("hostnameorip"),
            _string("port", ' nillable="true"'),
            _string("protocol", ' nillable="true"'),
        ]
        profile = [_string("name"), _string("description"), _string("isDefault")]
        infos = (
            '<xsd:element name="serviceProfileInfos" minOccurs="0">\n'
            '        <xsd:complexType>\n          <xsd:sequence minOccurs="0">\n'
            '            <xsd:element name="serviceProfileInfo" type="axl:ServiceProfileInfo" minOccurs="0" maxOccurs="7"/>\n'
        )
        if _at_least(version, "12.5"):  # the jabber-config.xml profiles a service profile hands out
            infos += (
                '            <xsd:element name="jabberClientConfigurationProfileInfo"'
                ' type="axl:JabberClientConfiguration" minOccurs="0"/>\n'
            )
        infos += "          </xsd:sequence>\n        </xsd:complexType>\n      </xsd:element>"
        parts += [
            "",
            "  <!-- listUcService / getUcService: User Management > User Settings > UC Service;",
            "       ucServiceXml holds a service's own parameters (jabber-config.xml's, from 12.5) -->",
            _fields("UcServiceFields", service),
            _fields(
                "UcServiceDetail",
                [*service, f'<xsd:element name="ucServiceXml" minOccurs="0">{ANY}</xsd:element>'],
            ),
            _list("listUcService", [_string("name")], "UcServiceFields"),
            _response(
                "listUcService",
                '<xsd:element name="ucService" type="axl:UcServiceFields" minOccurs="0" maxOccurs="unbounded"/>',
            ),
            _get("getUcService", "UcServiceDetail"),
            _response("getUcService", '<xsd:element name="ucService" type="axl:UcServiceDetail"/>'),
            "",
            "  <!-- listServiceProfile / getServiceProfile: User Management > User Settings > Service Profile;",
            "       each profile info names a UC service as primary, secondary and tertiary -->",
            _fields(
                "ServiceProfileInfo",
                [
                    _string("profileName"),
                    _string("primary"),
                    _string("secondary"),
                    _string("tertiary"),
                    _string("serverCertificateVerification"),
                    f'<xsd:element name="serviceProfileXml" minOccurs="0">{ANY}</xsd:element>',
                ],
            ),
        ]
        if _at_least(version, "12.5"):
            parts.append(
                _fields(
                    "JabberClientConfiguration", [_string("common"), _string("desktop"), _string("mobile")]
                )
            )
        parts += [
            _fields("ServiceProfileFields", profile),
            _fields("ServiceProfileDetail", [*profile, infos]),
            _list("listServiceProfile", [_string("name"), _string("description")], "ServiceProfileFields"),
            _response(
                "listServiceProfile",
                '<xsd:element name="serviceProfile" type="axl:ServiceProfileFields" minOccurs="0" maxOccurs="unbounded"/>',
            ),
            _get("getServiceProfile", "ServiceProfileDetail"),
            _response(
                "getServiceProfile", '<xsd:element name="serviceProfile" type="axl:ServiceProfileDetail"/>'
            ),
        ]
    body = "\n".join(parts)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<!--
  confcheck's compact AXL {version} schema: {", ".join(operations(version))}.
  Generated by tools/axl_wsdl.py (written for confcheck, not derived from Cisco's files). Element
  names, their order and the namespace are AXL {version}'s wire format, so the requests built from it
  are the ones Cisco's schema describes; the types are looser. confcheck reads answers by element
  name, not through this schema, so an answer whose elements come in another order is still read.
-->
<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema"
            xmlns:axl="{ns}"
            targetNamespace="{ns}"
            elementFormDefault="unqualified" attributeFormDefault="unqualified">

{body}
</xsd:schema>
"""


def wsdl(version: str) -> str:
    """The compact AXLAPI.wsdl of ``version``: Cisco's binding, port type, service and SOAPAction strings."""
    ops = operations(version)
    messages = "\n".join(
        f'  <message name="{op}In"><part name="axlParams" element="axl:{op}"/></message>\n'
        f'  <message name="{op}Out"><part name="axlParams" element="axl:{op}Response"/></message>'
        for op in ops
    )
    port = "\n".join(
        f'    <operation name="{op}"><input message="s0:{op}In"/><output message="s0:{op}Out"/></operation>'
        for op in ops
    )
    binding = "\n".join(
        f'    <operation name="{op}">\n'
        f'      <soap:operation soapAction="CUCM:DB ver={version} {op}" style="document"/>\n'
        '      <input><soap:body use="literal"/></input>\n'
        '      <output><soap:body use="literal"/></output>\n'
        "    </operation>"
        for op in ops
    )
    ns = f"http://www.cisco.com/AXL/API/{version}"
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<!--
  confcheck's compact AXL {version} WSDL: {", ".join(ops)}.
  Generated by tools/axl_wsdl.py. The binding, port type, service and SOAPAction strings are the
  ones AXL {version} uses, so a client built from it talks to CUCM as one built from Cisco's toolkit WSDL.
-->
<definitions xmlns="http://schemas.xmlsoap.org/wsdl/"
             xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"
             xmlns:xsd="http://www.w3.org/2001/XMLSchema"
             xmlns:s0="http://www.cisco.com/AXLAPIService/"
             xmlns:axl="{ns}"
             targetNamespace="http://www.cisco.com/AXLAPIService/">
  <types>
    <xsd:schema>
      <xsd:import namespace="{ns}" schemaLocation="AXLSoap.xsd"/>
    </xsd:schema>
  </types>
{messages}
  <portType name="AXLPort">
{port}
  </portType>
  <binding name="AXLAPIBinding" type="s0:AXLPort">
    <soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
{binding}
  </binding>
  <service name="AXLAPIService">
    <port name="AXLPort" binding="s0:AXLAPIBinding">
      <soap:address location="https://CCMSERVERNAME:8443/axl/"/>
    </port>
  </service>
</definitions>
"""


def files() -> dict[Path, str]:
    """Every file this script writes, by path, with its text."""
    found: dict[Path, str] = {}
    for version in VERSIONS:
        found[OUT / version / "AXLAPI.wsdl"] = wsdl(version)
        found[OUT / version / "AXLSoap.xsd"] = schema(version)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="exit 1 if a shipped file differs")
    args = parser.parse_args(argv)
    stale = [path for path, text in files().items() if not path.is_file() or path.read_text() != text]
    if args.check:
        for path in stale:
            print(f"{path} differs from what tools/axl_wsdl.py writes", file=sys.stderr)
        return 1 if stale else 0
    for path in stale:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(files()[path])
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
