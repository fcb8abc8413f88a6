"""bot.insights over a real SQLite tracker store written by Rasa's own SQLTrackerStore: exact figures, no
full card number anywhere, and an NLU export that `rasa data validate` accepts."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import List

import pytest
import yaml

from bot.insights.figures import percentile
from bot.insights.inbox import Inbox, nlu_yaml
from tests.support.insights import CARD, EXPECTED_SINCE, SINCE, figures, seed, store
from tests.support.servers import ROOT


@pytest.fixture(scope="module")
def tracker_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("store") / "tracker.db"
    seed(store(dialect="sqlite", db=str(path)))
    return path


@pytest.fixture(scope="module")
def report_dir(tracker_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report")
    done = subprocess.run([sys.executable, "-m", "bot.insights", "--tracker-db", str(tracker_db), "--since", SINCE,
                           "--out", str(out), "--export-nlu", str(out / "review.yml")],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"6 conversations, 16 user messages: open {out / 'index.html'}"
    return out


def test_the_report_of_a_known_store_has_exactly_the_expected_figures(report_dir: Path):
    report = json.loads((report_dir / "report.json").read_text())
    assert figures(report) == EXPECTED_SINCE
    assert report["period"] == {"first_message": "2026-11-02T10:01:00+00:00",
                                "last_message": "2026-11-04T12:00:01+00:00", "since": SINCE}


def test_without_since_the_older_conversation_counts(tracker_db: Path, tmp_path: Path):
    done = subprocess.run([sys.executable, "-m", "bot.insights", "--tracker-db", str(tracker_db), "--json",
                           "--out", str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    report = json.loads(done.stdout)
    assert (report["conversations"], report["user_messages"], report["by_day"][0]) == (
        7, 17, {"day": "2026-11-01", "conversations": 1, "user_messages": 1})
    assert report["rates"]["handoff"] == round(2 / 7, 4)


def test_no_full_card_number_in_the_report(report_dir: Path):
    for name in ("index.html", "report.json", "review.yml"):
        text = (report_dir / name).read_text()
        assert CARD not in text and "3782 822463 10005" not in text
    assert "it asked for [****] again" in (report_dir / "index.html").read_text()


def test_the_page_is_one_file_that_loads_nothing(report_dir: Path):
    page = (report_dir / "index.html").read_text()
    assert "<svg" in page and "<script" not in page
    assert "src=" not in page and "href=" not in page and "@import" not in page and "url(" not in page


# What `rasa data validate` says about NLU data it cannot use as it is (it exits 0 on these warnings; the
# scratch project's other warnings, intents without examples or rules, are about the scratch project).
_NLU_PROBLEMS = re.compile(r"(?i)labeled with intent|not listed in your domain|entit|multiple intents|"
                           r"issue found|invalid|error")


def rasa_validate(nlu: str, project: Path) -> List[str]:
    """The problems `rasa data validate` finds with `nlu` in a scratch project with this domain."""
    (project / "data").mkdir()
    (project / "data" / "nlu.yml").write_text(nlu)
    shutil.copy(ROOT / "domain.yml", project / "domain.yml")
    shutil.copy(ROOT / "config.yml", project / "config.yml")
    done = subprocess.run([str(Path(sys.executable).parent / "rasa"), "data", "validate", "--data", "data",
                           "--domain", "domain.yml", "--config", "config.yml"],
                          cwd=project, capture_output=True, text=True, timeout=300,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false",
                               "HOME": str(project)})
    lines = [line for line in (done.stdout + done.stderr).splitlines()
             if "Warning" in line and "Deprecat" not in line and _NLU_PROBLEMS.search(line)]
    return lines + ([f"exit code {done.returncode}"] if done.returncode else [])


def test_the_export_is_nlu_data_rasa_validates(report_dir: Path, tmp_path: Path):
    exported = (report_dir / "review.yml").read_text()
    assert yaml.safe_load(exported)["nlu"] == [
        {"intent": "dispute_charge", "examples": "- dispute a charge\n- it asked for [****] again\n"},
        {"intent": "contact_letter", "examples": "- I needed the fax number\n"},
        {"intent": "contact_phone", "examples": "- blorp\n"},
        {"intent": "make_payment", "examples": "- how do I pay my bill\n"}]
    assert rasa_validate(exported, tmp_path) == []


def test_the_validation_would_see_a_broken_export(tmp_path: Path):
    broken = 'version: "3.1"\nnlu:\n- intent: no_such_intent\n  examples: |\n    - blorp\n'
    assert len(rasa_validate(broken, tmp_path)) == 1


def test_an_example_never_reads_as_an_entity_annotation():
    inbox = Inbox()
    inbox.add("contact_phone", "call [me](region) now", "fallback", 0.3)
    inbox.add("contact_phone", "a second\nline", "fallback", 0.3)
    examples = yaml.safe_load(nlu_yaml(inbox.report()))["nlu"][0]["examples"]
    assert examples == "- call [me] (region) now\n- a second line\n"


def test_the_inbox_keeps_a_bounded_number_of_texts_per_intent():
    inbox = Inbox(per_intent=3)
    for i in range(1000):
        inbox.add("contact_phone", f"message {i % 10}", "fallback", 0.3)
    group = inbox.report()["groups"][0]
    assert group["count"] == 1000 and [i["times"] for i in group["items"]] == [100, 100, 100]


def test_percentiles_are_nearest_rank():
    assert percentile(Counter({1: 2, 2: 3}), 0.5) == 2
    assert percentile(Counter({1: 50, 9: 50}), 0.5) == 1
    assert percentile(Counter({1: 94, 30: 6}), 0.95) == 30
    assert percentile(Counter(), 0.5) is None


def test_without_tracker_db_it_reads_the_servers_store_and_creates_none(tmp_path: Path, tracker_db: Path):
    env = {"PATH": "/usr/bin:/bin", "RASA_TELEMETRY_ENABLED": "false"}
    missing = subprocess.run([sys.executable, "-m", "bot.insights", "--out", str(tmp_path)], cwd=ROOT, text=True,
                             capture_output=True, env={**env, "TRACKER_DB": str(tmp_path / "none.db")}, timeout=300)
    assert missing.returncode == 1 and "no tracker store at" in missing.stderr
    assert not (tmp_path / "none.db").exists()
    done = subprocess.run([sys.executable, "-m", "bot.insights", "--json", "--since", SINCE, "--out", str(tmp_path)],
                          cwd=ROOT, text=True, capture_output=True, env={**env, "TRACKER_DB": str(tracker_db)},
                          timeout=300)
    assert figures(json.loads(done.stdout)) == EXPECTED_SINCE
