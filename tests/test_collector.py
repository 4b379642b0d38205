"""The garbage collector in the long-lived processes: gunicorn workers freeze the loaded app
and collect in larger batches; a whole-dataset build collects less often while it runs.
A gunicorn worker also serves from a roomy frame stack (tests/test_stack.py)."""

import gc
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tracker.collector import THRESHOLDS, fewer_collections

ROOT = Path(__file__).resolve().parent.parent

WORKER = """
import gc, json, os, runpy
import django
from gunicorn.config import Config
from gunicorn.workers.sync import SyncWorker
django.setup()
config = runpy.run_path("deploy/gunicorn.conf.py")
worker = SyncWorker(0, os.getppid(), [], None, 30, Config(), None)
serve = worker.run
before = {"threshold": gc.get_threshold(), "frozen": gc.get_freeze_count()}
config["post_worker_init"](worker)
after = {"threshold": gc.get_threshold(), "frozen": gc.get_freeze_count()}
roomy = worker.run is not serve and worker.run.__wrapped__ == serve
print(json.dumps({"before": before, "after": after, "serves_on_a_roomy_stack": roomy}))
"""


def test_a_gunicorn_worker_freezes_the_loaded_app_collects_in_larger_batches_and_has_room():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tracker.settings", "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", WORKER], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    states = json.loads(result.stdout.splitlines()[-1])
    assert states["before"] == {"threshold": [700, 10, 10], "frozen": 0}
    assert states["after"]["threshold"] == list(THRESHOLDS)
    # Django, the app's modules and their objects: far more than a few thousand.
    assert states["after"]["frozen"] > 50_000
    assert states["serves_on_a_roomy_stack"]


def test_a_build_collects_less_often_and_restores_the_thresholds_even_when_it_fails():
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), fewer_collections():
        assert gc.get_threshold() == THRESHOLDS
        raise RuntimeError("the build failed")
    assert gc.get_threshold() == before
