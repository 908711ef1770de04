"""``--format html``: one self-contained page a consultant hands to the customer, on screen or on paper.

The file must open anywhere, years later, offline, and show nothing it was not given: so the CSS is
inline, there is no script, no font, no image and no URL, and a Content-Security-Policy forbids the
browser from fetching or running anything should a value ever slip through. Every string that came
from a server or a snapshot is hostile until escaped; the page is built with :func:`h`, which
escapes every plain ``str`` it is given and passes through only :class:`Html` it made itself, so
forgetting to escape is not something a new section can do by accident. The sections, thousands of
rows for a large deployment, are written the same way with templates (:class:`_Markup`,
:class:`_List`) into one :class:`_Out`: every value escaped unless it is :class:`Html`, in one
pass per piece of the page.

The output is pure ASCII (everything else as character references) so that ``> report.html``
works whatever the encoding of the shell's standard output.

It prints: each cluster starts on a new page, rows and steps do not split across pages, colour is
dropped for ink and severity is always a word and a shape, never a colour alone.
"""

from __future__ import annotations

import functools
import html
import io
import operator
import re
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING, TextIO, TypeAlias

from confcheck import __version__, hookimpl, plan
from confcheck.certs import Certificate
from confcheck.errors import ConfcheckError
from confcheck.findings import Finding, Fix, Phase, Severity, Suppression
from confcheck.model import PRODUCT_TITLES, Cluster, Endpoint, Node
from confcheck.report import Report, Reporter

if TYPE_CHECKING:
    from confcheck.pack.runbook import Runbook

SOON_DAYS = 30
"""A certificate expiring within this many days of collection is flagged."""

MARKS = {Severity.ERROR: "\u25a0", Severity.WARNING: "\u25b2", Severity.INFO: "\u25cf"}
"""A shape per severity (square, triangle, circle), so a black-and-white print still tells them apart."""


class Html(str):
    """Markup this module built (already escaped): the only text :func:`h` passes through as is."""

    __slots__ = ()


Child: TypeAlias = "str | Sequence[Child] | None"
"""What :func:`h` takes as content: text (escaped unless it is :class:`Html`), nested lists, or nothing."""


def escape(text: object) -> Html:
    """``text`` as HTML text, with invisible and bidi control characters made visible.

    A node name holding a right-to-left override or a NUL would otherwise read as something it is
    not; in a report about names, what was configured must be what is seen.
    """
    return Html(_escaped(text if type(text) is str else str(text)))


def _escaped(text: str) -> str:
    """:func:`escape` without the :class:`Html` mark, for :func:`h` to put in place at once.

    Anything beyond ASCII leaves as a character reference, as :func:`render` would make it: a page
    whose pieces are all ASCII is joined and encoded at memory speed, not one wide character at a time.
    """
    if text.isprintable():  # the usual case, at C speed: often nothing to escape at all
        if "&" in text or "<" in text or ">" in text or '"' in text or "'" in text:
            text = html.escape(text, quote=True)
    else:
        text = html.escape("".join(_visible(c) for c in text), quote=True)
    return text if text.isascii() else _ascii(text)


def _ascii(markup: str) -> str:
    """``markup`` with every character beyond ASCII as a character reference (``&#8212;``)."""
    return markup.encode("ascii", "xmlcharrefreplace").decode("ascii")


def _visible(char: str) -> str:
    if char in "\n\t" or unicodedata.category(char) not in ("Cc", "Cf", "Cs", "Co", "Cn"):
        return char
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def h(tag: str, *children: Child, **attrs: str | int | bool | None) -> Html:
    """``<tag attrs>children</tag>``: attribute values and plain-string children are escaped.

    ``class_`` stands for ``class``; ``data_x`` for ``data-x``; False and None attributes are left out.
    """
    if attrs:
        parts = [f"<{tag}"]
        for key, value in attrs.items():
            if value is None or value is False:
                continue
            name = _ATTRIBUTES.get(key) or _attribute(key)
            parts.append(f" {name}" if value is True else f' {name}="{_escaped(str(value))}"')
        parts.append(">")
        head = "".join(parts)
    else:
        head = f"<{tag}>"
    if tag in _VOID:
        return Html(head)
    if len(children) == 1:  # most elements: one text or one element, put in place without a list
        child = children[0]
        kind = type(child)
        if kind is Html:
            return Html(f"{head}{child}</{tag}>")
        if kind is str:
            return Html(f"{head}{_escaped(child)}</{tag}>")  # type: ignore[arg-type]
    body = [head]
    _extend(body, children)
    body.append(f"</{tag}>")
    return Html("".join(body))


_VOID = frozenset({"meta", "br", "hr", "col", "wbr"})
_ATTRIBUTES: dict[str, str] = {}


def _attribute(key: str) -> str:
    """The attribute a keyword stands for (``class_`` is ``class``, ``aria_label`` is ``aria-label``)."""
    name = _ATTRIBUTES[key] = key.rstrip("_").replace("_", "-")
    return name


def join(children: Iterable[Child]) -> Html:
    """Children as markup: Html as is, other strings escaped, None skipped, lists flattened."""
    out: list[str] = []
    _extend(out, children)
    return Html("".join(out))


def _extend(out: list[str], children: Iterable[Child]) -> None:
    """Append ``children`` to ``out`` as :func:`join` says, nested lists flattened into the same list."""
    for child in children:
        kind = type(child)
        if kind is Html:
            out.append(child)  # type: ignore[arg-type]
        elif kind is str:
            out.append(_escaped(child))  # type: ignore[arg-type]
        elif child is None:
            continue
        elif isinstance(child, Html):
            out.append(child)
        elif isinstance(child, str):
            out.append(escape(child))
        else:
            _extend(out, child)


class _Markup:
    """Markup written once, with holes where values go, each escaped as :func:`h` escapes a child: text
    escaped, :class:`Html` as is, lists joined, None left out. A row the page repeats thousands of times
    is one fill instead of a dozen :func:`h` calls, with the same guarantee: no value goes in unescaped.

    Holes are ``{}``, filled in order, or ``{name}``, filled by keyword (a row with a dozen values reads
    better by name); the markup holds no other brace. A value in an attribute (``href="#{}"``) must be
    text, escaped as :func:`h` escapes attributes.

    A fill is one ``%`` formatting of the escaped values (at C speed), and the markup is kept in ASCII,
    as :func:`render` writes it, so that what is filled and joined stays one byte a character.
    """

    __slots__ = ("_by_name", "_format", "_names")

    def __init__(self, markup: str) -> None:
        head, *holes = _HOLE.split(_ascii(markup))
        self._names = tuple(holes[0::2])
        self._format = head.replace("%", "%%") + "".join(
            "%s" + piece.replace("%", "%%") for piece in holes[1::2]
        )
        named = len(self._names) > 1 and all(self._names)
        self._by_name = operator.itemgetter(*self._names) if named else None

    def __call__(self, *values: Child, **named: Child) -> Html:
        if named:
            values = self.by_name(values, named)
        return Html(self._format % _texts(values))

    def by_name(self, values: tuple[Child, ...], named: dict[str, Child]) -> tuple[Child, ...]:
        """The values of ``named`` in the order of the holes: every hole and no other, by name only."""
        if self._by_name is None or values or len(named) != len(self._names):
            raise TypeError(f"fill by name, every hole and no other: {', '.join(self._names)}")
        found: tuple[Child, ...] = self._by_name(named)
        return found

    def each(self, values: Sequence[Child], separator: str = "") -> Html:
        """The markup filled once per value (it has one hole), separated by ``separator`` (text)."""
        return self.rows([(value,) for value in values], separator)

    def rows(self, rows: Sequence[Sequence[Child]], separator: str = "") -> Html:
        """The markup filled once per row of values, separated by ``separator`` (text): a list of a
        hundred items is one formatting of all their values, not a hundred made and then joined."""
        fill = _escaped(separator).replace("%", "%%").join([self._format] * len(rows))
        return Html(fill % _texts([value for values in rows for value in values]))


def _texts(values: Iterable[Child]) -> tuple[str, ...]:
    """Every value as :func:`_text` makes it: the usual kinds (markup, text) are told apart here, in one
    pass, since a call per value costs more than the test."""
    return tuple(
        [
            value if type(value) is Html else _escaped(value) if type(value) is str else _text(value)
            for value in values
        ]
    )


def _text(value: Child) -> str:
    """A value as :func:`h` puts a child in place: text escaped, :class:`Html` as is, None as nothing."""
    kind = type(value)
    if kind is Html:
        return value  # type: ignore[return-value]
    if kind is str:
        return _escaped(value)  # type: ignore[arg-type]
    if value is None:
        return ""
    return join((value,))


class _List:
    """A list the page repeats (evidence, a step's procedure, links to steps): its opening markup, one
    :class:`_Markup` item filled per entry, its closing markup, made as one string. A list of four
    entries is one fill of four items, not four fills, a join and a fill for the wrapper around them.

    The values of an entry are text, escaped as in any fill (only :class:`Html` would pass as is).
    """

    __slots__ = ("_close", "_formats", "_item", "_open", "_separator")

    def __init__(self, open_: str, item: str, close: str, separator: str = "") -> None:
        self._open, self._close = _ascii(open_), _ascii(close)
        self._item = _Markup(item)
        self._separator = _escaped(separator)
        self._formats: dict[int, str] = {}

    def format(self, entries: int) -> str:
        """The list of ``entries`` items as one ``%`` format: made once per length."""
        made = self._formats.get(entries)
        if made is None:
            items = self._separator.replace("%", "%%").join([self._item._format] * entries)
            made = f"{self._open.replace('%', '%%')}{items}{self._close.replace('%', '%%')}"
            self._formats[entries] = made
        return made

    def rows(self, rows: Sequence[Sequence[str]]) -> Html:
        """The list with the item filled once per row of texts."""
        return Html(self.format(len(rows)) % _texts([value for values in rows for value in values]))

    def each(self, values: Sequence[str]) -> Html:
        """The list with the item (it has one hole) filled once per text."""
        return Html(self.format(len(values)) % _texts(values))

    def around(self, items: Html) -> Html:
        """The list's opening and closing markup around ``items`` made otherwise."""
        return Html(f"{self._open}{items}{self._close}")


class _Out:
    """The page's sections as they are written: the markup of every fill (:class:`_Markup`,
    :class:`_List`) and the values for its holes, in order, filled in one formatting per few hundred
    kilobytes of the page (:meth:`flush`) and written to the sink. Each value goes in as a fill puts it
    (text escaped, :class:`Html` as is, None as nothing), the values of a piece in one pass
    (:func:`_texts`): a row costs a few appends, and no string is made for it, nor for the table or
    the section around it, before its piece of the page is.
    """

    __slots__ = ("_formats", "_sink", "_values")

    def __init__(self, sink: TextIO) -> None:
        self._sink = sink
        self._formats: list[str] = []
        self._values: list[Child] = []

    def put(self, markup: _Markup, *values: Child) -> None:
        """``markup`` filled with ``values``, in the order of its holes."""
        self._formats.append(markup._format)
        self._values += values

    def put_named(self, markup: _Markup, **named: Child) -> None:
        """``markup`` filled by name with ``named``."""
        self._formats.append(markup._format)
        self._values += markup.by_name((), named)

    def rows(self, listing: _List, rows: Sequence[Sequence[str]]) -> None:
        """``listing`` with its item filled once per row of texts."""
        self._formats.append(listing._formats.get(len(rows)) or listing.format(len(rows)))
        for values in rows:
            self._values += values

    def each(self, listing: _List, values: Sequence[str]) -> None:
        """``listing`` with its item (it has one hole) filled once per text."""
        self._formats.append(listing._formats.get(len(values)) or listing.format(len(values)))
        self._values += values

    def close(self, markup: _Markup) -> None:
        """``markup``, which has no hole (the end of an element)."""
        self._formats.append(markup._format)

    def markup(self, made: Html) -> None:
        """Markup made otherwise (with :func:`h`), as is."""
        self._formats.append("%s")
        self._values.append(made)

    def section_done(self) -> None:
        """A section has ended: what was written before it is filled and goes to the sink once it is a
        few hundred kilobytes, so that no string as large as the page is ever made."""
        if len(self._values) >= _FILLED_AT:
            self.flush()

    def flush(self) -> None:
        """Everything written so far, filled, to the sink."""
        text = "".join(self._formats) % _texts(self._values)
        self._sink.write(text if text.isascii() else _ascii(text))  # ASCII already, unless a new piece is not
        self._formats.clear()
        self._values.clear()


_FILLED_AT = 10_000
"""Values (some 750 kB of a page) past which :meth:`_Out.section_done` fills and writes what is gathered:
a 3,000-cluster page of 33 MB filled in one piece took 7 % longer (fresh memory for the whole page and for
its template, page by page, and nothing of it in the processor's caches when it is filled)."""


_HOLE = re.compile(r"\{(\w*)\}")
"""A hole in :class:`_Markup`: ``{}`` or ``{name}``."""


def render(report: Report) -> str:
    """The whole document, ASCII only."""
    out = io.StringIO()
    write(report, out)
    return out.getvalue()


def write(report: Report, sink: TextIO) -> None:
    """Write the report as one HTML document, ASCII only."""
    page = _Page(report)
    head = h(
        "head",
        Html('<meta charset="utf-8">'),
        Html(f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'),
        Html('<meta name="referrer" content="no-referrer">'),
        Html('<meta name="viewport" content="width=device-width, initial-scale=1">'),
        Html(f'<meta name="generator" content="confcheck {escape(__version__)}">'),
        h("title", report.cover.title or f"confcheck report \u2014 {report.source or 'snapshot'}"),
        Html(f"<style>{CSS}</style>"),
    )
    # one page written in order and filled a piece at a time: the sections of a large deployment are
    # tens of megabytes, which nesting them in body and main would copy once per level
    out = _Out(sink)
    for piece in (
        Html('<!DOCTYPE html>\n<html lang="en">\n'),
        head,
        Html("\n<body>"),
        _header(report),
        Html("<main>"),
        _summary(report),
        page.contents(),
        _journeys(report),
    ):
        out.markup(piece)
    page.write_sections(out)
    for piece in (Html("</main>"), _footer(), Html("</body>\n</html>\n")):
        out.markup(piece)
    out.flush()


_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"


def _journeys(report: Report) -> Html:
    """Jabber's sign-in journey, drawn ([[jabber]] in the inventory); nothing otherwise."""
    if not report.journeys:
        return Html("")
    from confcheck.reports import _journey_html

    return _journey_html.section(report.journeys)


"""Nothing may be fetched, framed, submitted or run; only the inline style applies."""


# --- header and summary ---------------------------------------------------------------------------


def _header(report: Report) -> Html:
    collected = report.deployment.collected_at
    facts: list[tuple[str, Child]] = [("Customer", report.cover.customer)] if report.cover.customer else []
    facts += [
        ("Source", h("code", report.source or "snapshot")),
        ("Collected", _datetime(collected) if collected else "not recorded in the snapshot"),
        (
            "Checked",
            f"{report.references} references in {_plural(len(report.deployment.clusters), 'cluster')}",
        ),
        ("Tool", f"confcheck {__version__}"),
    ]
    return h(
        "header",
        h("p", "Certificate identity audit for Cisco Jabber", class_="kicker"),
        h("h1", report.cover.title or "confcheck report"),
        h("dl", [[h("dt", k), h("dd", v)] for k, v in facts], class_="facts"),
    )


def _summary(report: Report) -> Html:
    tallies = h(
        "ul",
        [
            h(
                "li",
                h("span", str(report.count(s)), class_="count"),
                " ",
                _severity(s, plural=report.count(s) != 1),
                class_=f"tally sev-{s.value}",
            )
            for s in Severity
        ],
        class_="tallies",
    )
    parts: list[Child] = [h("h2", "Summary"), tallies, _verdict(report)]
    if report.incomplete:
        missing = [h("li", item) for item in report.missing]
        parts.append(
            h(
                "div",
                h("p", h("strong", "Collection incomplete."), " ", _INCOMPLETE),
                h("ul", missing)
                if missing
                else h("p", "What could not be read is not recorded in this report."),
                class_="callout",
                role="alert",
            )
        )
    if report.suppressed:
        parts.append(
            h(
                "p",
                f"{_plural(len(report.suppressed), 'finding')} waived or in the baseline: ",
                h("a", "listed separately", href="#suppressed"),
                ", not counted.",
                class_="muted",
            )
        )
    return h("section", parts, class_="summary", id="summary")


_INCOMPLETE = (
    "Something could not be reached or read, so some names were not checked: the findings below are "
    "what could be checked, not a clean bill of health for the rest."
)


def _verdict(report: Report) -> Html:
    failing = len(report.failing)
    if report.fail_on is None:
        word, text = "Not gated", "no severity fails this run (--fail-on never)."
    elif failing:
        word, text = "Fails", f"{_plural(failing, 'finding')} at or above {report.fail_on.value}"
        text += " introduced by the proposed change." if report.changes is not None else "."
    elif report.changes is not None:
        word, text = (
            "Passes",
            f"the proposed change introduces no finding at or above {report.fail_on.value}.",
        )
    else:
        word, text = "Passes", f"no finding at or above {report.fail_on.value}."
    if report.changes is not None:
        text += " Only what the change introduces counts; the findings below are the state after it."
    if report.incomplete:  # a partial check passes nothing
        word = "Incomplete" if word == "Passes" else f"{word}, incomplete"
        text = text.replace("no finding", "no finding in what could be checked")
    state = "fail" if failing or report.incomplete else "neutral" if report.fail_on is None else "pass"
    return h(
        "p",
        h("strong", f"Verdict: {word}"),
        f" \u2014 {text} Exit code {int(report.exit_code)}.",
        class_=f"verdict {state}",
    )


def _footer() -> Html:
    return h(
        "footer",
        h(
            "p",
            f"Generated by confcheck {__version__}. This page is self-contained: it loads nothing "
            "from any network and runs no script.",
        ),
    )


# --- the page: one section per cluster, then what belongs to none ------------------------------------


class _Page:
    """The report laid out: which findings go in which section, and the anchors that link them.

    A finding's row is linked from the fix steps that resolve it and from the certificate it is
    about, so the anchors are decided once, before any section is written.
    """

    def __init__(self, report: Report) -> None:
        self.report = report
        self._made = datetime.now(timezone.utc)
        names = {c.name for c in report.deployment.clusters}
        by_cluster: dict[str | None, list[Finding]] = {}
        self.by_certificate: dict[tuple[str, str | None], list[Finding]] = {}
        """Findings by (certificate, node): a certificate many nodes share lists, on each node's row, the
        findings about it there and the ones about the certificate as a whole, never every node's."""
        for finding in report.findings:
            by_cluster.setdefault(finding.cluster, []).append(finding)
            if finding.certificate:
                self.by_certificate.setdefault((finding.certificate, finding.node), []).append(finding)
        self.parts: list[tuple[Html, Cluster | None, list[Finding]]] = [
            (_anchor(f"cluster-{i}"), c, by_cluster.get(c.name, []))
            for i, c in enumerate(report.deployment.clusters, start=1)
        ]
        # findings of a cluster that was never collected (its version could not be read) keep their
        # cluster's name; only findings about no cluster are deployment-wide
        self.titles: dict[str, str] = {}
        orphans: dict[str | None, list[Finding]] = {}
        for finding in report.findings:
            if finding.cluster not in names:
                orphans.setdefault(finding.cluster, []).append(finding)
        for number, (name, found) in enumerate(sorted(orphans.items(), key=lambda kv: kv[0] is None), 1):
            anchor = _anchor(f"uncollected-{number}" if name is not None else "deployment")
            self.titles[anchor] = f"{name} \u2014 not collected" if name is not None else _DEPLOYMENT
            self.parts.append((anchor, None, found))
        self.plans = plan.per_cluster(report.findings, report.deployment)
        self.anchors = {c.name: anchor for anchor, c, _ in self.parts if c is not None}
        self.ids: dict[str, list[Html]] = {}
        """The anchor of each row of a section's findings table, in order."""
        self.rows: dict[Finding, Html] = {}
        """Where each finding's row is (the first, should two findings be equal)."""
        for anchor, _, findings in self.parts:
            ids = self.ids[anchor] = [_anchor(f"{anchor}-f{i}") for i in range(1, len(findings) + 1)]
            for finding, row in zip(findings, ids, strict=True):
                self.rows.setdefault(finding, row)
        self.places: dict[tuple[str | None, str | None, str | None], Html] = {}
        """The setting cell of each (location, instance, fix's menu path): the same on many rows."""
        # fragments the page repeats, made once per distinct value (one table per kind, so that no two
        # kinds of key can ever meet): a value's code span, an issuer cell, a key cell, a label
        self.values: dict[str | None, Html] = {}
        self.issuers: dict[tuple[str | None, bool, tuple[str, ...]], Html] = {}
        self.keys: dict[tuple[str, int | None, str], Html] = {}
        self.labels = _Labels()

    def contents(self) -> Html:
        """The table of contents: every section, with its number of findings."""
        report = self.report
        items: list[Child] = []
        if report.journeys:
            items.append(h("li", h("a", "Jabber sign-in journey", href="#journey")))
        items.append(
            _CONTENTS_ITEM.rows(
                [
                    (
                        anchor,
                        _cluster_title(cluster) if cluster else self.titles[anchor],
                        _plural(len(findings), "finding") if findings else "no findings",
                    )
                    for anchor, cluster, findings in self.parts
                ]
            )
        )
        if report.deployment.externals:
            items.append(h("li", h("a", "External servers", href="#externals")))
        if report.suppressed:
            count = _plural(len(report.suppressed), "finding")
            items.append(
                h("li", h("a", "Suppressed findings", href="#suppressed"), h("span", f" \u2014 {count}"))
            )
        if report.notes:
            items.append(h("li", h("a", "Notes", href="#notes")))
        return h("nav", h("h2", "Contents"), h("ol", items), class_="toc", aria_label="Contents")

    def write_sections(self, out: _Out) -> None:
        """Every section, in the order of the contents."""
        report = self.report
        for anchor, cluster, findings in self.parts:
            if cluster:
                self.cluster(out, anchor, cluster, findings)
            else:
                out.put(_PART, anchor, self.titles[anchor])
                self.findings(out, anchor, findings)
                out.close(_SECTION_END)
            out.section_done()
        if report.deployment.externals:
            out.markup(_EXTERNALS)
            self.inventory(out, report.deployment.externals)
            out.close(_SECTION_END)
        if report.suppressed:
            out.markup(_suppressed_section(report.suppressed))
        if report.notes:
            out.markup(
                h(
                    "section",
                    h("h2", "Notes"),
                    h("ul", [h("li", n) for n in report.notes]),
                    class_="appendix",
                    id="notes",
                )
            )

    def cluster(self, out: _Out, anchor: Html, cluster: Cluster, findings: list[Finding]) -> None:
        """A cluster's page: what it is, its findings, its fix list, the certificates its nodes presented."""
        product = PRODUCT_TITLES.get(cluster.product, cluster.product)
        publisher = cluster.nodes[0].name if cluster.nodes else None
        out.put_named(
            _CLUSTER,
            anchor=anchor,
            name=cluster.name,
            title=f"{product} {cluster.version}",
            product=product,
            version=cluster.version,
        )
        if publisher:
            out.put(_NODES, str(len(cluster.nodes)), publisher)
        else:
            out.close(_NO_NODES)
        self.findings(out, anchor, findings)
        out.close(_CERTIFICATES_PRESENTED)
        self.inventory(out, cluster.nodes, cluster.name)
        out.close(_SECTION_END)

    # --- findings and their fix list ---

    def findings(self, out: _Out, anchor: Html, findings: list[Finding]) -> None:
        """The findings table and the fix list built from the same findings."""
        if not findings:
            out.markup(_NO_FINDINGS_INCOMPLETE if self.report.incomplete else _NO_FINDINGS)
            return
        cluster = findings[0].cluster
        if cluster in self.anchors and all(f.cluster == cluster for f in findings):
            steps = self.plans[cluster]
        else:  # findings of clusters the deployment does not hold, shown together
            steps = plan.build(findings, self.report.deployment)
        numbered = steps.numbered()
        fixed_by: dict[Finding, set[int]] = {}
        for number, step in numbered:
            for finding in step.findings:
                fixed_by.setdefault(finding, set()).add(number)
        out.put(_FINDINGS, _thead(_FINDING_COLUMNS))
        for f, row in zip(findings, self.ids[anchor], strict=True):
            self.finding_row(out, f, row, anchor, sorted(fixed_by.get(f, ())))
        out.close(_TABLE_END)
        if numbered:
            self.fix_list(out, anchor, numbered)

    def finding_row(self, out: _Out, finding: Finding, row_id: Html, anchor: Html, steps: list[int]) -> None:
        """A finding's row, with its evidence and links to the steps of the fix list that resolve it."""
        out.put(  # by position (the page's most frequent rows): see _FINDING for the holes
            _FINDING[finding.severity],
            row_id,
            _rule(finding),
            self.setting(finding),
            self.value(finding.value),
            finding.message,
        )
        if finding.evidence:
            labels = self.labels
            out.rows(_EVIDENCE, [(labels[k], v) for k, v in finding.evidence])
        if steps:
            out.rows(_FIXED_BY, [(anchor, n, n) for n in map(_number, steps)])
        out.close(_ROW_END)

    def value(self, value: str | None) -> Html:
        """A finding's value, as code: made once per value (a node's name is on many rows)."""
        made = self.values.get(value)
        if made is None:
            made = self.values[value] = _CODE(value) if value is not None else _NO_VALUE
        return made

    def setting(self, finding: Finding) -> Html:
        """:func:`_setting`, its place in the admin's menus made once per location (many rows share one)."""
        key = (finding.location, finding.instance, finding.fix.where if finding.fix is not None else None)
        place = self.places.get(key)
        if place is None:
            place = self.places[key] = _place(finding)
        return _on_node(place, finding) if finding.node else place

    def fix_list(self, out: _Out, anchor: Html, numbered: list[tuple[int, plan.Step]]) -> None:
        """The fix list: phases in order, steps numbered across phases, as the plan orders them
        (:meth:`plan.Plan.by_phase`, with each step's number)."""
        phases: dict[Phase, list[tuple[int, plan.Step]]] = {}
        for number, step in numbered:
            phases.setdefault(step.phase, []).append((number, step))
        out.markup(_FIX_LIST_HEAD)
        for phase, group in sorted(phases.items(), key=_FIRST_ITEM):
            out.markup(_phase(phase))
            for number, step in group:
                self.step(out, anchor, number, step)
            out.close(_PHASE_END)

    def step(self, out: _Out, anchor: Html, number: int, step: plan.Step) -> None:
        """One numbered step: where, what from what to what, what first, how, what it costs."""
        if step.see is not None:  # described in an earlier cluster's fix list
            cluster, other = step.see
            target = self.anchors.get(cluster or "")
            where: Child = _SEE(f"#{target}-s{other}", step.see_text) if target else step.see_text
            out.put(_STEP_ELSEWHERE, _number(number), _anchor(f"{anchor}-s{number}"), step.action, where)
            return
        fix = step.fix
        out.put(  # by position (a fix list has many steps): see _STEP for the holes
            _STEP_DONE if step.done else _STEP,
            _number(number),
            _anchor(f"{anchor}-s{number}"),
            step.action,
            _menu_path(step.where, fix.field if fix else None),
        )
        if fix is not None:
            self.details(out, fix)
        resolves = [
            (finding, finding.value or finding.node or "", _NOTHING)
            for finding in dict.fromkeys(step.findings)
        ]
        if resolves:
            self.about(out, _RESOLVES, resolves)
        out.close(_STEP_END)

    def details(self, out: _Out, fix: Fix) -> None:
        """A step's change, what comes first, how and what it costs."""
        if fix.current is not None:
            if fix.proposed is not None:
                out.put(_CHANGE, fix.current, fix.proposed)
            else:
                out.put(_NOW, fix.current)
        if fix.preconditions:
            out.each(_FIRST, fix.preconditions)
        if fix.steps:
            out.each(_PROCEDURE, fix.steps)
        if fix.impact:
            out.put(_IMPACT, fix.impact)

    def about(self, out: _Out, listing: _List, findings: Sequence[tuple[Finding, str, str]]) -> None:
        """``listing`` of findings, each named by its rule linked to its row, then a text (its value, say)
        and where else it is: ``(finding, text, elsewhere)``."""
        rows = self.rows
        linked = [
            (row, _code_text(f.rule), text, elsewhere)
            for f, text, elsewhere in findings
            if (row := rows.get(f))
        ]
        if len(linked) == len(findings):  # every row is on the page (the usual case): one fill for them all
            out.rows(listing, linked)
            return
        items = [(rows.get(f), f.rule, text, elsewhere) for f, text, elsewhere in findings]
        out.markup(
            listing.around(
                _series([_ABOUT_LINKED(*item) if item[0] else _ABOUT(*item[1:]) for item in items])
            )
        )

    # --- certificates ---

    def inventory(self, out: _Out, nodes: Sequence[Node], cluster: str | None = None) -> None:
        """Every endpoint of ``nodes`` and the certificate it presented (or why there is none)."""
        if not nodes:
            out.markup(_NO_NODE)
            return
        until = (
            "Valid until (days left at collection)" if self.report.deployment.collected_at else "Valid until"
        )
        out.put(_CERTIFICATES, _thead(("Server and endpoint", "Identity", "Issuer and chain", until)))
        at = self._at
        for node in nodes:
            for endpoint in node.endpoints:
                self.endpoint(out, node, endpoint, cluster, at)
        for node in nodes:
            if not node.endpoints:
                out.put(_NO_ENDPOINT, _node_cell(node))
        out.close(_TABLE_END)

    def endpoint(self, out: _Out, node: Node, endpoint: Endpoint, cluster: str | None, at: datetime) -> None:
        """One endpoint's row; findings of other clusters about its certificate name their cluster."""
        out.put(  # by position (a row per endpoint): see _WHERE for the holes
            _WHERE,
            node.name,
            _PUBLISHER_TAG if node.role == "publisher" else _NOTHING,
            self.labels[endpoint.purpose],
            f"{endpoint.protocol}://{endpoint.host}:{endpoint.port}",
        )
        if endpoint.server_name:
            out.put(_SENT, f"name sent: {endpoint.server_name}")
        leaf = endpoint.certificate
        if leaf is None:
            out.put(
                _NO_CERTIFICATE, endpoint.error.message if endpoint.error else "no certificate was presented"
            )
            return
        self.identity(out, leaf)
        here = self.by_certificate.get((leaf.sha256, node.name))
        anywhere = self.by_certificate.get((leaf.sha256, None))
        if here or anywhere:
            links = [
                (f, f.value or "", f" ({f.cluster})" if f.cluster and f.cluster != cluster else _NOTHING)
                for f in dict.fromkeys([*(here or ()), *(anywhere or ())])
            ]
            self.about(out, _FINDINGS_HERE, links)
        out.put(_ENDPOINT, self.issuer(leaf, endpoint.chain[1:]), _expiry(leaf, at))

    def identity(self, out: _Out, cert: Certificate) -> None:
        """What names a certificate: its subject, the names of its SAN, its key and its fingerprint."""
        out.put(_IDENTITY, _dn(cert.subject))
        if cert.san_error:
            out.markup(
                join([_dt("SAN"), h("dd", h("strong", "unreadable: "), cert.san_error, class_="alert")])
            )
        elif cert.san is None:
            out.markup(_NO_SAN)
        else:
            san = cert.san
            others = (san.ip, san.xmpp_addr, san.srv_name, san.uri, san.email)
            if san.dns and not any(others):  # the usual certificate: DNS names only
                out.each(_SAN_NAMES[0], san.dns)
            elif not san.dns and not any(others):
                out.markup(_EMPTY_SAN)
            else:
                for listing, values in zip(_SAN_NAMES, (san.dns, *others), strict=True):
                    if values:
                        out.each(listing, values)
        out.put(_KEY, self.key(cert), cert.sha256, cert.sha256[:16])

    def key(self, cert: Certificate) -> Html:
        """A certificate's key and signature algorithm, made once per kind (most of a deployment's are alike)."""
        key = cert.key
        kind = (key.type, key.bits, cert.signature_algorithm)
        made = self.keys.get(kind)
        if made is None:
            bits = f" {key.bits}" if key.bits else ""
            made = self.keys[kind] = escape(f"{key.type}{bits}, {cert.signature_algorithm}")
        return made

    def issuer(self, cert: Certificate, chain: Sequence[Certificate]) -> Html:
        """:func:`_issuer`, made once per issuer and chain (every certificate one CA issued shows the same)."""
        key = (None if cert.self_signed else cert.issuer, cert.is_ca, tuple(map(_SHA256, chain)))
        made = self.issuers.get(key)
        if made is None:
            made = self.issuers[key] = _issuer(cert, chain, self._at)
        return made

    @property
    def _at(self) -> datetime:
        """Expiry is judged at collection time: the report is a pure function of the snapshot (without
        one, at the time the page is made, read once so that every row of the page counts from it)."""
        return self.report.deployment.collected_at or self._made


# The sections are written into one _Out in order (see _Page.write_sections): a template that opens an
# element (a row, a step, a section) is followed by what goes inside it, then by the one that closes it.
_SHA256 = operator.attrgetter("sha256")
_FIRST_ITEM = operator.itemgetter(0)
_CONTENTS_ITEM = _Markup('<li><a href="#{}">{}</a><span> \u2014 {}</span></li>')
_CLUSTER = _Markup(
    '<section class="cluster" id="{anchor}"><h2><span class="name">{name}</span> <span>{title}</span></h2>'
    '<dl class="facts compact"><dt>Product</dt><dd>{product}</dd><dt>Version</dt><dd><code>{version}</code></dd>'
    "<dt>Nodes</dt><dd>"
)
"""A cluster's section opens: then its nodes (_NODES or _NO_NODES), its findings and fix list,
_CERTIFICATES_PRESENTED, its certificates."""
_NODES = _Markup("{} \u2014 publisher <code>{}</code></dd></dl>")
_NO_NODES = _Markup("none collected</dd></dl>")
_NOTHING = Html("")
"""An optional piece left out."""
_CERTIFICATES_PRESENTED = _Markup("<h3>Certificates presented</h3>")
_SECTION_END = _Markup("</section>")
_PART = _Markup('<section class="cluster" id="{}"><h2>{}</h2>')
"""The section of findings in no cluster the deployment holds: then the findings."""
_EXTERNALS = Html(
    '<section class="cluster" id="externals"><h2>External servers</h2><p class="muted">Servers outside the '
    "clusters that settings name (mail store, conferencing).</p>"
)
_NO_FINDINGS = h("p", "No findings: every name this cluster hands to clients matches.", class_="clean")
_NO_FINDINGS_INCOMPLETE = h(
    "p", "No findings in what could be collected; collection was incomplete.", class_="clean"
)
_FINDINGS = _Markup('<h3>Findings</h3><table class="findings">{}<tbody>')
"""The findings table opens (its head in the hole): then a row per finding, then _TABLE_END."""
_TABLE_END = _Markup("</tbody></table>")
_FIX_LIST_HEAD = Html(
    '<h3>Fix list</h3><p class="muted">Carry the steps out in order: each phase makes the next one safe. '
    "Steps already in place at collection are marked done.</p>"
)
_PHASE = _Markup(
    '<section class="phase"><h4><span class="phase-no">{}</span> \u00b7 {}</h4><ol class="steps">'
)
"""A phase of the fix list opens: then its steps, then _PHASE_END."""
_PHASE_END = _Markup("</ol></section>")


@functools.lru_cache(maxsize=16)
def _phase(phase: Phase) -> Html:
    """A phase of the fix list opens (_PHASE): the same few on every cluster's page."""
    return _PHASE(f"Phase {int(phase)}", _sentence(phase.title))


_CERTIFICATES = _Markup('<table class="certs">{}<tbody>')
"""The certificates table opens (its head in the hole): then a row per endpoint, then _TABLE_END."""
_NO_NODE = h("p", "No node was collected.", class_="muted")
_WHERE = _Markup(
    '<tr><td><code class="node-name">{node}</code>{publisher}<span class="purpose">{purpose}</span>'
    '<span class="endpoint">{url}</span>'
)
"""An endpoint's row opens with its first cell: the server, the endpoint, then the name sent to it
(_SENT), then either _NO_CERTIFICATE or the certificate's identity (_IDENTITY), the findings about it
and _ENDPOINT."""
_PUBLISHER_TAG = Html(' <span class="tag">publisher</span>')
_SENT = _Markup('<span class="endpoint">{}</span>')
_NO_CERTIFICATE = _Markup('</td><td colspan="3" class="alert"><strong>No certificate: </strong>{}</td></tr>')
_IDENTITY = _Markup('</td><td><dl class="identity"><dt>Subject</dt><dd><code>{}</code></dd>')
"""A certificate's identity cell opens with its subject: then the names of its SAN (_SAN_NAMES, or why
there are none), then _KEY."""
_KEY = _Markup(
    '<dt>Key</dt><dd class="small">{}</dd>'
    '<dt>SHA-256</dt><dd class="small"><code title="{}">{}\u2026</code></dd></dl>'
)
"""The identity cell closes: the key and signature algorithm, the SHA-256 fingerprint, its first digits."""
_ENDPOINT = _Markup("</td><td>{}</td><td><p>{}</p></td></tr>")
"""An endpoint's row closes: its issuer and chain, its expiry."""
_NO_ENDPOINT = _Markup('<tr><td>{}</td><td colspan="3" class="muted">no endpoint was collected</td></tr>')
_ABOUT = _Markup("<span>{} {}{}</span>")
_ABOUT_LINKED_ITEM = '<span><a href="#{}">{}</a> {}{}</span>'
_ABOUT_LINKED = _Markup(_ABOUT_LINKED_ITEM)
_FINDINGS_HERE = _List('<div class="fixed-by">Findings: ', _ABOUT_LINKED_ITEM, "</div>", "; ")
"""The findings about a certificate, under its identity: (row's anchor, rule, value, elsewhere) each."""
_DEPLOYMENT = "Findings about the deployment as a whole"
_FINDING_COLUMNS = ("Severity", "Rule", "Setting", "Value", "What is wrong")


@functools.lru_cache(maxsize=64)
def _thead(columns: tuple[str, ...]) -> Html:
    return h("thead", h("tr", [h("th", c, scope="col") for c in columns]))


def _cluster_title(cluster: Cluster) -> str:
    return f"{cluster.name} \u00b7 {PRODUCT_TITLES.get(cluster.product, cluster.product)} {cluster.version}"


_FIXED_BY = _List('<div class="fixed-by">Fixed by ', '<a href="#{}-s{}">step {}</a>', "</div>", ", ")
"""Links from a finding's row to the steps that fix it: (anchor, number, number) per step."""
_FINDING_ROW = (
    '<tr id="{id}" class="sev-{severity}"><td>{mark}</td><td>{rule}</td><td>{setting}</td><td>{value}</td>'
    '<td><p class="message">{message}</p>'
)
"""A finding's row opens: then its evidence (_EVIDENCE) and the links to the steps that fix it
(_FIXED_BY), then _ROW_END. One template per severity (:data:`_FINDING`), its class and mark in place,
filled with the rest: id, rule, setting, value, message."""
_ROW_END = _Markup("</td></tr>")


def _rule(finding: Finding) -> Html:
    return _rule_of(finding.rule, finding.name)


@functools.lru_cache(maxsize=1024)
def _code_text(code: str) -> Html:
    """A rule's code as text (in the lists that link to findings): escaped once per rule."""
    return escape(code)


@functools.lru_cache(maxsize=1024)
def _rule_of(code: str, name: str) -> Html:
    return join([h("code", code), h("span", name, class_="rule-name")])


def _value(finding: Finding) -> Html:
    return _CODE(finding.value) if finding.value is not None else _NO_VALUE


_NO_VALUE = Html('<span class="muted">\u2014</span>')


def _setting(finding: Finding) -> Html:
    """The field, its instance and menu path, as the admin sees them.

    A location the installed catalog does not know shows as its id; a finding about no setting
    (a DNS record) shows where its fix is made.
    """
    return _on_node(_place(finding), finding)


def _place(finding: Finding) -> Html:
    """:func:`_setting` but the server: what depends on the location alone, shared by many findings."""
    found = _location(finding.location)
    instance = f" ({finding.instance})" if finding.instance else None
    if found is not None:
        admin, menu, field = found
        parts: list[Child] = [
            h("strong", field or menu),
            instance,
            h("span", _menu_path(f"{admin} > {menu}"), class_="menu"),
        ]
    elif finding.location:
        parts = [h("code", finding.location), instance]
    elif finding.fix is not None:
        parts = [h("span", _menu_path(finding.fix.where), class_="menu")]
    else:
        parts = [_NO_VALUE]
    return join(parts)


def _on_node(place: Html, finding: Finding) -> Html:
    """``place`` and, when the finding is about a server other than its value, that server."""
    if finding.node and finding.node != finding.value:
        # a finding about a certificate names no setting and no value: it is on its server
        how = "on " if finding.location is None and finding.value is None else "points to "
        return _NODE_OF(place, how, finding.node)
    return place


_NODE_OF = _Markup('{}<span class="node">{}<code>{}</code></span>')


def _location(location: str | None) -> tuple[str, str, str | None] | None:
    """(admin application, menu path, field) of a catalog location, from the installed plugins."""
    if not location:
        return None
    from confcheck import plugin_manager

    try:
        found = plugin_manager.catalog().location(location)
    except ConfcheckError:
        return None
    if found is None:
        return None
    line, loc = found
    return line.admin_of(loc), loc.menu, loc.field


_EVIDENCE = _List('<dl class="evidence">', "<dt>{}</dt><dd>{}</dd>", "</dl>")


@functools.lru_cache(maxsize=4096)
def _menu_path(where: str, field: str | None = None) -> Html:
    """``App > Menu > Item`` with the admin application (where to log in) in bold, then the field."""
    first, sep, rest = where.partition(" > ")
    path: list[Child] = [h("strong", first, class_="app") if sep else first]
    if sep:
        path += [" \u203a ", rest.replace(" > ", " \u203a ")]
    if field:
        path += [" \u2014 field ", h("em", field)]
    return h("span", path, class_="path")


_CHANGE = _Markup(
    '<dt>Change</dt><dd><code>{}</code><span class="arrow"> \u2192 </span><code class="proposed">{}</code></dd>'
)
_NOW = _Markup("<dt>Now</dt><dd><code>{}</code></dd>")
_FIRST = _List("<dt>First</dt><dd><ul>", "<li>{}</li>", "</ul></dd>")
_PROCEDURE = _List("<dt>Procedure</dt><dd><ol>", "<li>{}</li>", "</ol></dd>")
_IMPACT = _Markup('<dt>Impact</dt><dd class="impact">{}</dd>')
_RESOLVES = _List("<dt>Resolves</dt><dd>", _ABOUT_LINKED_ITEM, "</dd>", "; ")
"""The findings a step resolves: (row's anchor, rule, value, elsewhere) each."""
_SEE = _Markup('<a href="{}">{}</a>')
_STEP_ELSEWHERE = _Markup(
    '<li value="{}" id="{}" class="step"><p class="action">{}</p><p class="muted">Described in {}.</p></li>'
)
"""A step an earlier cluster's fix list describes: its action and a link there."""
_DONE = h(
    "p",
    h("strong", "\u2713 Done"),
    " \u2014 already in place: DNS answered so at collection.",
    class_="done",
)
_STEP_FACTS = '<dl class="step-facts"><dt>Where</dt><dd>{where}</dd>'
_STEP = _Markup('<li value="{number}" id="{id}" class="step"><p class="action">{action}</p>' + _STEP_FACTS)
"""A step opens: then its change, what comes first, how, what it costs (_CHANGE or _NOW, _FIRST,
_PROCEDURE, _IMPACT) and the findings it resolves (_RESOLVES), then _STEP_END."""
_STEP_DONE = _Markup(
    f'<li value="{{number}}" id="{{id}}" class="step done"><p class="action">{{action}}</p>{_DONE}{_STEP_FACTS}'
)
"""A step already in place at collection opens, as _STEP."""
_STEP_END = _Markup("</dl></li>")


@functools.lru_cache(maxsize=256)
def _dt(label: str) -> Html:
    """A definition term: the same few labels on every row."""
    return h("dt", label)


@functools.lru_cache(maxsize=4096)
def _dd(text: str, class_: str | None = None) -> Html:
    """A definition that recurs from row to row (a key type, a note): made once."""
    return h("dd", text, class_=class_)


def _node_cell(node: Node) -> Html:
    """A node's name and role."""
    return (_PUBLISHER if node.role == "publisher" else _NODE)(node.name)


_NODE = _Markup('<code class="node-name">{}</code>')
_PUBLISHER = _Markup('<code class="node-name">{}</code> <span class="tag">publisher</span>')


_NO_SAN = join([_dt("SAN"), _dd("none (only the Subject CN names the server)", "muted")])
_EMPTY_SAN = join([_dt("SAN"), _dd("empty", "muted")])
_SAN_NAMES = tuple(
    _List(f"<dt>{kind}</dt><dd>", "<code>{}</code>", "</dd>", ", ")
    for kind in ("dNSName", "iPAddress", "xmppAddr", "SRVName", "URI", "email")
)
"""The names of each kind a SAN holds, each as code, in the order the identity cell lists the kinds."""


def _dn(name: str) -> Html:
    """A distinguished name that may wrap after its commas rather than in the middle of a word.

    Escaped whole, then a break opportunity after each comma: escaping neither adds nor removes a comma
    (its references are ``&lt;``, ``&#8212;``, ``\\x00``), so the commas are those of the name. Not
    cached: a subject is usually on one row only (an issuer's name is, with its cell, see :func:`_issuer_of`).
    """
    return Html(_escaped(name).replace(",", ",<wbr>"))


def _series(items: Sequence[Child], separator: str = "; ") -> Html:
    """Items separated by real text, so copying or reading without CSS keeps them apart."""
    if all(type(item) is Html for item in items):  # the usual case: elements, joined at once
        return Html(_escaped(separator).join(items))  # type: ignore[arg-type]
    out: list[Child] = []
    for i, item in enumerate(items):
        out += [separator if i else None, item]
    return join(out)


_CODE = _Markup("<code>{}</code>")


def _issuer(cert: Certificate, chain: Sequence[Certificate], at: datetime) -> Html:
    shown = tuple((c.subject, c.self_signed, c.is_ca, c.not_before, c.not_after) for c in chain)
    return _issuer_of(None if cert.self_signed else cert.issuer, cert.is_ca, shown, at)


_Shown = tuple[tuple[str, bool, bool, datetime, datetime], ...]


@functools.lru_cache(maxsize=4096)
def _issuer_of(issuer: str | None, is_ca: bool, chain: _Shown, at: datetime) -> Html:
    """:func:`_issuer` from what it shows: every certificate of one CA's chain shows the same."""
    parts: list[Child] = []
    if issuer is None:
        parts.append(h("p", h("span", "self-signed", class_="tag"), " no CA vouches for it"))
    else:
        parts.append(h("code", _dn(issuer)))
    if is_ca:
        parts.append(h("p", h("span", "CA certificate", class_="tag"), " presented as a server certificate"))
    if chain:
        items = [
            h(
                "li",
                h("code", _dn(subject)),
                [" ", h("span", "self-signed" if self_signed else "CA", class_="tag")]
                if self_signed or ca
                else None,
                h("br"),
                h("span", "until ", _validity(not_before, not_after, at), class_="small"),
            )
            for subject, self_signed, ca, not_before, not_after in chain
        ]
        parts += [
            h("p", "Rest of the chain presented:", class_="chain-label"),
            h("ol", items, class_="chain", start=2),
        ]
    else:
        parts.append(h("p", "No chain presented beyond this certificate.", class_="chain-label"))
    return join(parts)


def _expiry(cert: Certificate, at: datetime) -> Html:
    """The expiry date and the days left at ``at``; EXPIRED and NOT YET VALID in words, not colour."""
    return _validity(cert.not_before, cert.not_after, at)


@functools.lru_cache(maxsize=4096)
def _validity(not_before: datetime, not_after: datetime, at: datetime) -> Html:
    """:func:`_expiry` of any certificate valid from ``not_before`` to ``not_after`` (CAs recur on every row)."""
    date = not_after.strftime("%Y-%m-%d")
    if not_after <= at:
        late = _plural((at - not_after).days, "day")
        return h("span", h("strong", "EXPIRED"), f" {date} ({late} before collection)", class_="alert")
    if not_before > at:
        return h("span", h("strong", "NOT YET VALID"), f" before {not_before:%Y-%m-%d}", class_="alert")
    days = (not_after - at).days
    label = f"{date} ({_plural(days, 'day')} left)"
    if days <= SOON_DAYS:
        return h("span", h("strong", "expires soon: "), label, class_="soon")
    return h("span", label)


# --- suppressed findings ---------------------------------------------------------------------------------


def _suppressed_section(suppressed: Sequence[Suppression]) -> Html:
    rows = [
        h(
            "tr",
            h("td", _severity(s.finding.severity)),
            h("td", _rule(s.finding)),
            h(
                "td",
                h("code", s.finding.cluster) if s.finding.cluster else None,
                h("br") if s.finding.cluster else None,
                _setting(s.finding),
            ),
            h("td", _value(s.finding)),
            h("td", h("p", s.finding.message, class_="message")),
            h(
                "td",
                h("strong", s.kind),
                ": ",
                s.reason,
                h("span", f"until {s.expires.isoformat()}", class_="endpoint") if s.expires else None,
            ),
            class_=f"sev-{s.finding.severity.value}",
        )
        for s in suppressed
    ]
    columns = ("Severity", "Rule", "Setting", "Value", "What is wrong", "Why suppressed")
    return h(
        "section",
        h("h2", "Suppressed findings"),
        h(
            "p",
            "Accepted by a waiver or recorded in the baseline: shown for the record, not counted in the verdict.",
            class_="muted",
        ),
        h(
            "table",
            h("thead", h("tr", [h("th", c, scope="col") for c in columns])),
            h("tbody", rows),
            class_="findings suppressed",
        ),
        class_="appendix",
        id="suppressed",
    )


# --- small pieces ---------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=16)
def _severity(severity: Severity, plural: bool = False) -> Html:
    word = severity.value + ("s" if plural and severity is not Severity.INFO else "")
    return h(
        "span",
        h("span", MARKS[severity], class_="mark", aria_hidden="true"),
        " ",
        word,
        class_=f"sev sev-{severity.value}",
    )


_FINDING = {
    severity: _Markup(
        _FINDING_ROW.replace("{severity}", severity.value).replace("{mark}", _severity(severity))
    )
    for severity in Severity
}


class _Labels(dict[str, Html]):
    """Labels the rows repeat (an endpoint's purpose, what a piece of evidence is), each escaped once."""

    def __missing__(self, text: str) -> Html:
        made = self[text] = escape(text)
        return made


@functools.lru_cache(maxsize=1024)
def _number(n: int) -> Html:
    """A step's number, as its label and in its anchor."""
    return Html(str(n))


def _anchor(text: str) -> Html:
    """An anchor this module makes of fixed words and numbers (``cluster-3-f12``): markup already (there
    is nothing to escape), so the rows that link to it do not escape it again."""
    return Html(text)


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _sentence(text: str) -> str:
    """First letter up, the rest as written (``DNS records`` stays ``DNS``)."""
    return text[:1].upper() + text[1:]


def _datetime(moment: datetime) -> str:
    utc = moment.astimezone(timezone.utc) if moment.tzinfo else moment
    return utc.strftime("%Y-%m-%d %H:%M UTC")


def runbook_page(book: Runbook) -> str:
    """The remediation pack's runbook as one self-contained page: the same windows, steps, checks and
    rollbacks as runbook.md, with the report's CSS, policy and escaping (ASCII only)."""
    items: list[Child] = []
    if book.prove is not None:
        items.append(h("p", _sentence(book.prove.text), ":", class_="muted"))
        items.append(h("pre", h("code", book.prove.command)))
    if not book.windows:
        items.append(
            h("p", "Nothing to fix: the findings carry no fix, so there is no step to take.", class_="clean")
        )
    dt = {
        label: h("dt", label)
        for label in ("Where", "Clusters", "First", "Procedure", "Impact", "Verify", "Roll back", "Resolves")
    }
    for window in book.windows:
        steps = []
        for item in window.items:
            facts: list[Child] = [dt["Where"], h("dd", item.where)]
            if item.clusters:
                facts += [dt["Clusters"], h("dd", ", ".join(item.clusters))]
            if item.preconditions:
                facts += [dt["First"], h("dd", h("ul", [h("li", p) for p in item.preconditions]))]
            if item.procedure:
                facts += [dt["Procedure"], h("dd", h("ol", [h("li", p) for p in item.procedure]))]
            facts += [dt["Impact"], h("dd", item.impact, class_="impact")]
            checks = [
                [h("p", check.text), h("pre", h("code", check.command)) if check.argv else None]
                for check in item.verify
            ]
            facts += [dt["Verify"], h("dd", checks)]
            facts += [dt["Roll back"], h("dd", h("ul", [h("li", r) for r in item.rollback]))]
            if item.resolves:
                facts += [dt["Resolves"], h("dd", ", ".join(item.resolves))]
            box = "\u2611" if item.done else "\u2610"
            head = h("p", f"{box} {item.action}", class_="action")
            done = (
                h("p", h("strong", "\u2713 Done"), " \u2014 already in place at collection.", class_="done")
                if item.done
                else None
            )
            steps.append(
                h(
                    "li",
                    head,
                    done,
                    h("dl", facts, class_="step-facts"),
                    value=item.number,
                    id=f"step-{item.number}",
                    class_="step done" if item.done else "step",
                )
            )
        items.append(
            h(
                "section",
                h("h2", window.title),
                h("p", window.summary, class_="muted"),
                h("ol", steps, class_="steps"),
                class_="cluster",
                id=f"window-{window.number}",
            )
        )
    header = h(
        "header",
        h("p", "Remediation pack", class_="kicker"),
        h("h1", "Runbook"),
        h(
            "dl",
            [
                h("dt", "Source"),
                h("dd", h("code", book.source)),
                h("dt", "Tool"),
                h("dd", f"confcheck {__version__}"),
            ],
            class_="facts",
        ),
        h("ul", [h("li", n) for n in book.notes]) if book.notes else None,
    )
    head = h(
        "head",
        Html('<meta charset="utf-8">'),
        Html(f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'),
        Html('<meta name="referrer" content="no-referrer">'),
        h("title", f"confcheck runbook \u2014 {book.source}"),
        Html(f"<style>{CSS}pre {{ white-space: pre-wrap; margin: 0.2rem 0 0.5rem; }}</style>"),
    )
    document = f'<!DOCTYPE html>\n<html lang="en">\n{head}\n{h("body", header, h("main", items), _footer())}\n</html>\n'
    return document.encode("ascii", "xmlcharrefreplace").decode("ascii")


CSS = """
:root {
  --ink: #1d2430; --muted: #5b6473; --line: #d9dee5; --accent: #2f5d8a;
  --error: #a8251b; --error-bg: #fdf1ef; --warning: #8a5a00; --warning-bg: #fff7e0;
  --info: #2f5d8a; --info-bg: #eef4fa; --ok: #2c6e3f; --ok-bg: #eef7f0;
  --mono: ui-monospace, "SFMono-Regular", Menlo, Consolas, "Liberation Mono", "DejaVu Sans Mono", monospace;
}
* { box-sizing: border-box; }
html { font-size: 15px; -webkit-text-size-adjust: 100%; }
body {
  margin: 0; color: var(--ink); background: #fff; line-height: 1.5;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Liberation Sans",
    "DejaVu Sans", sans-serif;
}
header, main, footer { max-width: 1240px; margin: 0 auto; padding: 0 2rem; }
header { padding-top: 2rem; padding-bottom: 0.5rem; border-bottom: 1px solid var(--line); }
h1 { font-size: 1.87rem; margin: 0 0 0.8rem; font-weight: 650; letter-spacing: -0.01em; }
h2 { font-size: 1.4rem; margin: 2.7rem 0 0.8rem; font-weight: 650; }
h3 { font-size: 1.07rem; margin: 1.9rem 0 0.7rem; text-transform: uppercase; letter-spacing: 0.06em;
  color: var(--muted); }
h4 { font-size: 1rem; margin: 1.3rem 0 0.5rem; }
p { margin: 0 0 0.5rem; }
a { color: var(--accent); }
code { font-family: var(--mono); font-size: 0.9em; overflow-wrap: anywhere; }
.kicker { margin: 0; color: var(--muted); font-size: 0.87rem; text-transform: uppercase; letter-spacing: 0.08em; }
.muted { color: var(--muted); }
.small { font-size: 0.83rem; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.1rem 1rem; margin: 0 0 1rem; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
dl.facts.compact { font-size: 0.93rem; }
.tallies { list-style: none; display: flex; gap: 0.8rem; padding: 0; margin: 0 0 1rem; flex-wrap: wrap; }
.tally { border: 1px solid var(--line); border-radius: 8px; padding: 0.6rem 1.2rem; min-width: 10rem; }
.tally .count { display: block; font-size: 1.87rem; font-weight: 650; line-height: 1.2; }
.verdict { border-left: 5px solid var(--ok); background: var(--ok-bg); padding: 0.6rem 0.9rem; border-radius: 4px; }
.verdict.fail { border-left-color: var(--error); background: var(--error-bg); }
.verdict.neutral { border-left-color: var(--muted); background: #f3f5f8; }
.callout { border: 1px solid var(--line); border-left: 5px double var(--warning); background: var(--warning-bg);
  padding: 0.6rem 0.9rem; border-radius: 4px; margin: 0.8rem 0; }
.callout ul { margin: 0.3rem 0 0; }
.clean { border-left: 5px solid var(--ok); background: var(--ok-bg); padding: 0.5rem 0.9rem; border-radius: 4px; }
nav.toc ol { margin: 0; padding-left: 1.6rem; }
nav.toc span { color: var(--muted); }
.sev { display: inline-block; white-space: nowrap; font-size: 0.8rem; font-weight: 650; text-transform: uppercase;
  letter-spacing: 0.05em; padding: 0.05rem 0.5rem; border-radius: 4px; border: 1px solid currentColor; }
.sev .mark { font-size: 0.67rem; }
.sev.sev-error { color: var(--error); background: var(--error-bg); border-width: 2px; }
.sev.sev-warning { color: var(--warning); background: var(--warning-bg); }
.sev.sev-info { color: var(--info); background: var(--info-bg); border-style: dotted; }
.tally .sev { border: 0; padding: 0; background: none; }
section.cluster { border-top: 3px solid var(--ink); margin-top: 3.2rem; }
section.cluster > h2 { margin-top: 1rem; }
section.cluster > h2 .name { font-family: var(--mono); }
section.cluster > h2 span + span { color: var(--muted); font-weight: 400; font-size: 1.13rem; }
section.appendix { border-top: 1px solid var(--line); margin-top: 3.2rem; }
table { border-collapse: collapse; width: 100%; margin: 0 0 0.8rem; font-size: 0.93rem; table-layout: fixed; }
th { text-align: left; font-weight: 600; color: var(--muted); font-size: 0.83rem; border-bottom: 2px solid var(--line);
  padding: 0.4rem 0.7rem 0.4rem 0; }
td { vertical-align: top; border-bottom: 1px solid var(--line); padding: 0.6rem 0.8rem 0.6rem 0;
  overflow-wrap: anywhere; }
table.findings th:nth-child(1) { width: 11%; }
table.findings th:nth-child(2) { width: 12%; }
table.findings th:nth-child(3) { width: 20%; }
table.findings th:nth-child(4) { width: 15%; }
table.suppressed th:nth-child(5) { width: 22%; }
table.certs th:nth-child(1) { width: 19%; }
table.certs th:nth-child(2) { width: 39%; }
table.certs th:nth-child(3) { width: 27%; }
tr:target, li.step:target { outline: 2px solid var(--accent); outline-offset: 2px; }
.rule-name { display: block; color: var(--muted); font-size: 0.83rem; }
.menu, .node, .purpose, .endpoint { display: block; font-size: 0.83rem; color: var(--muted); }
.path .app { font-weight: 600; }
.menu .app { font-weight: 400; }
.message { margin: 0; }
dl.evidence { display: grid; grid-template-columns: max-content 1fr; gap: 0 0.7rem; margin: 0.4rem 0 0;
  font-size: 0.83rem; color: var(--muted); }
dl.evidence dd { margin: 0; }
.fixed-by { margin: 0.4rem 0 0; font-size: 0.83rem; }
ol.steps { list-style: none; padding: 0; margin: 0; }
li.step { position: relative; border: 1px solid var(--line); border-radius: 6px; padding: 0.6rem 0.9rem 0.6rem 3.4rem;
  margin: 0 0 0.7rem; }
li.step::before { content: attr(value) "."; position: absolute; left: 0.9rem; top: 0.55rem; font-weight: 700;
  font-size: 1.13rem; }
li.step.done { border-style: dashed; color: var(--muted); }
.action { font-weight: 600; margin: 0 0 0.4rem; }
.done { color: var(--ok); }
dl.step-facts { display: grid; grid-template-columns: 6.5rem 1fr; gap: 0.25rem 0.8rem; margin: 0; font-size: 0.93rem; }
dl.step-facts dt { color: var(--muted); }
dl.step-facts dd { margin: 0; overflow-wrap: anywhere; }
dl.step-facts ul, dl.step-facts ol { margin: 0; padding-left: 1.3rem; }
.proposed { font-weight: 700; }
.impact { border-left: 3px solid var(--warning); padding-left: 0.5rem; }
dl.identity { display: grid; grid-template-columns: max-content 1fr; gap: 0 0.7rem; margin: 0; }
dl.identity dt { color: var(--muted); font-size: 0.83rem; }
dl.identity dd { margin: 0; overflow-wrap: anywhere; }
.tag { display: inline-block; font-size: 0.77rem; border: 1px solid currentColor; border-radius: 3px;
  padding: 0 0.3rem; text-transform: uppercase; letter-spacing: 0.04em; }
.chain-label { margin: 0.4rem 0 0; font-size: 0.83rem; color: var(--muted); }
ol.chain { margin: 0.2rem 0 0; padding-left: 1.2rem; font-size: 0.83rem; }
.alert { color: var(--error); }
.soon { color: var(--warning); }
footer { border-top: 1px solid var(--line); margin-top: 3.2rem; padding-top: 0.8rem; padding-bottom: 2rem;
  color: var(--muted); font-size: 0.87rem; }
@page {
  size: A4; margin: 14mm 12mm 16mm;
  @bottom-left { content: "confcheck report"; font-size: 8pt; color: #555; }
  @bottom-right { content: "page " counter(page) " of " counter(pages); font-size: 8pt; color: #555; }
}
@media print {
  :root { --ink: #000; --muted: #444; --line: #999; --accent: #000; --error: #000; --warning: #000;
    --info: #000; --ok: #000; }
  html { font-size: 9pt; }
  header, main, footer { max-width: none; padding: 0; }
  header { padding-top: 0; }
  * { background: transparent !important; box-shadow: none !important; }
  a { text-decoration: none; color: inherit; }
  section.cluster, section.appendix { break-before: page; border-top: 0; margin-top: 0; }
  h2, h3, h4 { break-after: avoid; }
  tr, li.step, .tally, .callout, .verdict, dl.facts { break-inside: avoid; }
  thead { display: table-header-group; }
  .verdict, .callout, .clean { border: 1px solid #000; border-left-width: 5px; }
  .sev { letter-spacing: 0; padding: 0 0.3rem; }
  .tally { min-width: 7rem; }
}
"""


@hookimpl
def confcheck_reporters() -> list[Reporter]:
    return [
        Reporter(
            "html", "self-contained HTML report for the customer: findings, fix lists, certificates", write
        )
    ]
