"""The blocks after ``[data]``: answers where given, else a skeleton from the scan and the
model study's endpoints and analyses made generic.

The model study (T-DM1 after trastuzumab + pertuzumab) defines PFS, OS, time to
discontinuation of the index drug, best overall response with response and disease-control
rates, follow-up and discontinuation reasons, and compares two groups by prior exposure.
The defaults keep that design but name nothing specific to it: the index drug is the one
answered (or the antineoplastic most patients received), the groups split its patients by
the drug received before it that divides them most evenly, and PFS counts progression or
death (the usual definition; the model study counted progression only).
"""

from __future__ import annotations

import re

from retrostudy.data.scan.answers import Answers
from retrostudy.data.scan.model import ScanReport

_METASTATIC = re.compile(r"metasta|stage\s*iv|advanced|転移|再発|進行", re.IGNORECASE)
ORDER = ("study", "index", "criteria", "groups", "covariates", "lines", "endpoints",
         "analyses", "report")


def default_blocks(report: ScanReport, answers: Answers) -> dict[str, tuple[list[str], object]]:
    """name -> (comment lines, body); body None writes the comments only."""
    given = {k: v for k, v in answers.blocks.items() if k != "data"}
    index = _index_drug(report, answers, given)
    made = {
        "study": ([], {"title": answers.title or f"Retrospective cohort study of {index}"}),
        "index": _index(report, index, answers.index_drug),
        "criteria": (["[[criteria]] (none yet): ordered include/exclude steps, e.g.",
                      f'  label = "Received {index} before"  action = "exclude"',
                      f'  when = {{ drug = "{index}", window = ["-inf", -1] }}'], None),
        "groups": _groups(report, index),
        "covariates": _covariates(report, index),
        "lines": _lines(report),
        "endpoints": _endpoints(report, index),
        "analyses": _analyses(report),
        "report": (["Report outputs (docs/protocol.md, [report])."],
                   {"outputs": ["html", "docx", "csv", "json", "figures"]}),
    }
    out = {}
    for name in (*ORDER, *given):
        if name in given:
            out[name] = ([f"---- {name} (from the answers) ----"], given[name])
        elif name in made and made[name] is not None:
            out[name] = made[name]
    return out


def _index_drug(report, answers, given) -> str:
    drug = answers.index_drug
    if drug is None and isinstance(given.get("index"), dict):
        drug = given["index"].get("drug")
    if isinstance(drug, str) or drug is None:
        return report.index_drug or drug or "CHOOSE THE INDEX DRUG"
    return drug[0]


def _index(report, index, answered):
    used = next((u for u in report.drugs if u.ingredient == index), None)
    comments = ["---- cohort ----",
                f"Index: the first {index} dose in the study window"
                + (f" ({used.patients} patients, {used.records} records)." if used else ".")]
    if report.index_guessed and report.index_drug == index:
        comments.append("CHECK: guessed as the antineoplastic most patients received.")
    comments.append("Add start = YYYY-MM-DD and end = YYYY-MM-DD for the study period.")
    drug = list(answered) if isinstance(answered, tuple) else index
    label = " or ".join(drug) if isinstance(drug, list) else drug
    return comments, {"drug": drug, "label": f"Received {label}", "occurrence": "first_in_window"}


def _groups(report, index):
    guess = report.groups
    if guess is None or index != report.index_drug:  # the guess is around the scanned index
        return (["[groups] (none yet): a study compares at least two groups, e.g. by a drug",
                 "received before the index drug; see docs/protocol.md [groups]."], None)
    before = {"drug": guess.drug, "window": ["-inf", -1]}
    return ([f"CHECK: groups guessed: prior {guess.drug} ({guess.exposed} patients) or not "
             f"({guess.unexposed}), the most even split by a drug given before {index}."],
            {"reference": f"No prior {guess.drug}",
             "group": [
                 {"name": f"Prior {guess.drug}", "label": f"{guess.drug} before {index}",
                  "when": before},
                 {"name": f"No prior {guess.drug}", "label": f"No {guess.drug} before {index}",
                  "when": {"not": before}},
             ]})


def _covariates(report, index):
    drugs = [u.ingredient for u in report.drugs
             if u.drug_class not in ("supportive", "other") and u.ingredient != index][:6]
    if not drugs:
        return None
    return (["Prior exposure columns (ever_<drug>, duration_<drug>_days) for the drugs most",
             "patients received."], {"exposure_drugs": drugs})


def _lines(report):
    metastatic = [d for d in report.diagnoses if _METASTATIC.search(d)]
    if not metastatic:
        return None
    stripped = {re.sub(r"(?i)^metastatic\s+", "", d) for d in metastatic}
    primary = [d for d in report.diagnoses if d in stripped] or [
        d for d in report.diagnoses if d not in metastatic]
    return (["Lines of therapy: the diagnoses that date the metastatic setting and the "
             "primary tumour,", "read from the diagnoses table (CHECK)."],
            {"metastatic_diagnosis": metastatic, "primary_diagnosis": primary})


def _endpoints(report, index):
    assessed = report.table("tumor_assessments") is not None
    body: dict = {"days_per_month": 30.4375}
    if assessed:
        body["pfs"] = {"kind": "pfs", "label": "Progression-free survival",
                       "events": ["progression", "death"], "progression": "radiological"}
    body["os"] = {"kind": "os", "label": "Overall survival"}
    body["ttd"] = {"kind": "ttd", "label": f"Time to {index} discontinuation", "drug": index}
    if assessed:
        body["bor"] = {"kind": "bor", "label": "Best overall response (RECIST 1.1)",
                       "confirmation": False, "sd_min_days": 42,
                       "assessments": "radiological"}
        body["rates"] = {"kind": "rates", "label": "Tumour response and disease control",
                         "response_from": "bor", "sd_duration_days": 183}
    return (["---- endpoints: the model study's, generic (docs/endpoints.md) ----"], body)


def _analyses(report):
    assessed = report.table("tumor_assessments") is not None
    observed = report.table("observations") is not None
    table1 = [{"name": "age", "label": "Age", "kind": "continuous", "digits": 0},
              {"name": "sex", "label": "Sex"}]
    if observed:
        table1.append({"name": "ecog", "label": "ECOG PS"})
    table1.append({"name": "prior_regimens", "label": "Prior regimens", "kind": "continuous",
                   "digits": 0})
    survival = [{"endpoint": "os", "label": "Overall survival", "landmarks": [6, 12]}]
    if assessed:
        survival.insert(0, {"endpoint": "pfs", "label": "Progression-free survival",
                            "landmarks": [6, 12]})
    body: dict = {"profile": "r", "conf_level": 0.95, "table1": table1, "survival": survival}
    if assessed:
        body["response"] = {
            "column": "bor",
            "categories": [{"value": v} for v in ("CR", "PR", "SD", "PD", "NE")],
            "rates": [{"name": "response", "label": "Tumour response rate", "test": "fisher"},
                      {"name": "disease_control", "label": "Disease control rate",
                       "test": "fisher"}],
            "denominator": "analysed"}
    body["followup"] = {"observation": "pfs" if assessed else "os", "reverse_km_of": "os"}
    body["discontinuation"] = {"column": "ttd_discontinuation_reason",
                               "denominator": "discontinued"}
    return (["---- analyses: R survival conventions (docs/protocol.md, [analyses]) ----"],
            body)
