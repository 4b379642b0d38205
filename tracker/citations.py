"""A page of the tracker as a reference-manager entry: RIS, BibTeX and CSL-JSON.

"Cite this" on every record and country page offers these three, so that a researcher
imports the citation into Zotero, EndNote or a LaTeX bibliography instead of retyping it.
Each gives the page's title, the tracker as its publisher, the page's permanent address,
the day it was accessed and, where a researcher reviewed the record, the day of review.
"""

import datetime
import json
from dataclasses import dataclass

import rispy
from bibtexparser.bibdatabase import BibDatabase
from bibtexparser.bwriter import BibTexWriter

PUBLISHER = "ATD Tracker"


class RisWriter(rispy.RisWriter):
    """RIS without the "1." line rispy puts before each entry."""

    def set_header(self, count):
        return None


@dataclass(frozen=True)
class PageCitation:
    key: str  # stable: the kind and identifier, e.g. law-mx-2020-reform
    title: str
    url: str
    language: str
    accessed: datetime.date
    reviewed: datetime.date | None = None

    def ris(self):
        entry = {
            "type_of_reference": "ELEC",
            "title": self.title,
            "publisher": PUBLISHER,
            "urls": [self.url],
            "access_date": self.accessed.strftime("%Y/%m/%d"),
            "language": self.language,
        }
        if self.reviewed:
            entry["date"] = self.reviewed.strftime("%Y/%m/%d")
            entry["notes"] = [f"Last reviewed {self.reviewed.isoformat()}"]
        return rispy.dumps([entry], implementation=RisWriter)

    def bibtex(self):
        note = f"Accessed {self.accessed.isoformat()}"
        if self.reviewed:
            note = f"Last reviewed {self.reviewed.isoformat()}. {note}"
        database = BibDatabase()
        database.entries = [
            {
                "ENTRYTYPE": "misc",
                "ID": self.key,
                # Braces keep the title's capitals as they are.
                "title": "{" + escape_latex(self.title) + "}",
                "organization": PUBLISHER,
                "howpublished": "\\url{" + self.url + "}",
                "url": self.url,
                "urldate": self.accessed.isoformat(),
                "language": self.language,
                "note": note,
                **({"year": str(self.reviewed.year)} if self.reviewed else {}),
            }
        ]
        writer = BibTexWriter()
        writer.order_entries_by = None
        writer.display_order = ["title", "organization", "howpublished", "url", "urldate"]
        return writer.write(database)

    def csl_json(self):
        item = {
            "id": self.key,
            "type": "webpage",
            "title": self.title,
            "container-title": PUBLISHER,
            "publisher": PUBLISHER,
            "URL": self.url,
            "language": self.language,
            "accessed": date_parts(self.accessed),
        }
        if self.reviewed:
            item["issued"] = date_parts(self.reviewed)
            item["note"] = f"Last reviewed {self.reviewed.isoformat()}"
        return json.dumps([item], ensure_ascii=False, indent=2)


def date_parts(day):
    return {"date-parts": [[day.year, day.month, day.day]]}


LATEX_SPECIALS = {c: "\\" + c for c in "&%$#_{}"}


def escape_latex(text):
    return "".join(LATEX_SPECIALS.get(c, c) for c in text)


# What each format is served as, and its file extension.
FORMATS = {
    "ris": ("application/x-research-info-systems; charset=utf-8", "ris", PageCitation.ris),
    "bib": ("application/x-bibtex; charset=utf-8", "bib", PageCitation.bibtex),
    "json": (
        "application/vnd.citationstyles.csl+json; charset=utf-8",
        "json",
        PageCitation.csl_json,
    ),
}
