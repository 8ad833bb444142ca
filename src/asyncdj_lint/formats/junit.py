"""JUnit XML: one test suite per file with findings, one failing test case per finding.

CI systems that show test reports (GitLab, Jenkins, Azure Pipelines) list the
findings there. A run without findings is one passing test case.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from itertools import groupby

from asyncdj_lint.diagnostics import Diagnostic
from asyncdj_lint.formats.rendering import PLAIN, Rendering

PACKAGE = "asyncdj-lint"


def render(diagnostics: Sequence[Diagnostic], rendering: Rendering = PLAIN) -> str:
    count = str(len(diagnostics))
    suites = ET.Element("testsuites", name=PACKAGE, tests=count, failures=count, errors="0")
    if not diagnostics:
        suite = ET.SubElement(suites, "testsuite", name=PACKAGE, tests="1", failures="0", errors="0")
        ET.SubElement(suite, "testcase", name="no findings", classname=PACKAGE)
    for path, found in groupby(sorted(diagnostics, key=lambda d: d.path), key=lambda d: d.path):
        in_file = list(found)
        suite = ET.SubElement(
            suites,
            "testsuite",
            name=path,
            tests=str(len(in_file)),
            failures=str(len(in_file)),
            errors="0",
            package=PACKAGE,
        )
        for d in in_file:
            case = ET.SubElement(
                suite,
                "testcase",
                name=f"{PACKAGE}.{d.code}",
                classname=path,
                file=path,
                line=str(d.line),
                column=str(d.column),
            )
            failure = ET.SubElement(case, "failure", message=d.message, type=d.code)
            failure.text = f"{path}:{d.line}:{d.column}: {d.code} {d.message}"
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
