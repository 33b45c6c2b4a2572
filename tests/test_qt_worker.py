"""The background worker: per-request handles, latest request wins, cancel, errors, shutdown."""

from __future__ import annotations

import threading
import time

import pytest

from inspector.core.errors import InputError
from inspector.qt.worker import Worker


@pytest.fixture
def worker(qtbot, tmp_path):
    from inspector.core.cache import ResultCache

    w = Worker(cache=ResultCache(tmp_path / "cache.sqlite"))
    yield w
    w.shutdown()


def _slow(value, gate: threading.Event | None = None):
    def job(pool, task, emit):
        emit("partial", value)
        for _ in range(100):
            if gate is not None and gate.is_set():
                break
            task.check()
            time.sleep(0.005)
        return value

    return job


def _watched(worker, kind, job, seen: list, tag=None):
    """Submit ``job`` and record everything its handle delivers as (tag, signal, value)."""
    h = worker.submit(kind, job)
    tag = h if tag is None else tag
    h.event.connect(lambda k, payload: seen.append((tag, "event", payload)))
    h.finished.connect(lambda result: seen.append((tag, "finished", result)))
    h.cancelled.connect(lambda: seen.append((tag, "cancelled", None)))
    return h.start()


def test_newer_request_of_a_kind_supersedes_the_older(qtbot, worker):
    seen = []
    handles = [_watched(worker, "analyze", _slow(i), seen, i) for i in range(5)]
    with qtbot.waitSignal(handles[-1].finished, timeout=10_000):
        pass
    qtbot.wait(200)
    assert {s[0] for s in seen} == {4}  # the superseded four delivered nothing, not even cancelled
    assert (4, "finished", 4) in seen


def test_kinds_do_not_supersede_each_other(qtbot, worker):
    done = []
    a, b = worker.submit("analyze", _slow("a")), worker.submit("baseline", _slow("b"))
    for h in (a, b):
        h.finished.connect(done.append)
    with qtbot.waitSignals([a.finished, b.finished], timeout=10_000):
        a.start(), b.start()
    assert sorted(done) == ["a", "b"]


def test_cancel_reports_once_and_drops_late_results(qtbot, worker):
    got, cancelled = [], []
    h = worker.submit("analyze", _slow("x"))
    h.finished.connect(got.append)
    h.cancelled.connect(lambda: cancelled.append(1))
    with qtbot.waitSignal(h.started, timeout=5_000):
        h.start()
    h.cancel()
    h.cancel()
    qtbot.wait(700)
    assert got == [] and cancelled == [1]
    assert not worker.busy() and not h.is_live()


def test_sync_mode_runs_the_job_inline_with_the_same_signals(qtbot, tmp_path):
    from inspector.core.cache import ResultCache

    w = Worker(cache=ResultCache(tmp_path / "s.sqlite"), sync=True)
    seen = []
    h = _watched(w, "analyze", lambda pool, task, emit: (emit("partial", 1), 2)[1], seen, "s")
    assert seen == [("s", "event", 1), ("s", "finished", 2)]  # before start() returned
    assert not h.is_live() and not w.busy() and not w.running()
    w.shutdown()


def test_errors_become_messages_and_the_worker_goes_on(qtbot, worker):
    def boom(pool, task, emit):
        raise ZeroDivisionError("division by zero in the job")

    def bad_input(pool, task, emit):
        raise InputError("the input is empty")

    h = worker.submit("a", boom)
    with qtbot.waitSignal(h.failed, timeout=5_000) as sig:
        h.start()
    message, details = sig.args
    assert message == "ZeroDivisionError: division by zero in the job"
    assert "Traceback" in details
    h = worker.submit("a", bad_input)
    with qtbot.waitSignal(h.failed, timeout=5_000) as sig:
        h.start()
    assert sig.args == ["the input is empty", ""]
    h = worker.submit("a", lambda pool, task, emit: 42)
    with qtbot.waitSignal(h.finished, timeout=5_000) as sig:
        h.start()
    assert sig.args == [42]


def test_jobs_run_off_the_ui_thread_and_shutdown_joins(qtbot, tmp_path):
    from inspector.core.cache import ResultCache

    w = Worker(cache=ResultCache(tmp_path / "c.sqlite"))
    h = w.submit("where", lambda pool, task, emit: threading.get_ident())
    with qtbot.waitSignal(h.finished, timeout=5_000) as sig:
        h.start()
    assert sig.args[0] != threading.get_ident()
    w.submit("slow", _slow("never")).start()
    w.shutdown()
    assert not w.running()


def _reporting(value, gate: threading.Event):
    """A long job that reports progress until ``gate`` opens (or it is cancelled)."""

    def job(pool, task, emit):
        for i in range(2000):
            if gate.is_set():
                break
            task.progress(i, 2000, f"{value} {i}")
            task.let_others_run()  # an example boundary: a waiting edit runs here
            time.sleep(0.005)
        return value

    return job


@pytest.fixture
def bar(qtbot, worker):
    from PySide6.QtWidgets import QMainWindow

    from inspector.qt.status import ProgressRouter, StatusWidgets

    win = QMainWindow()
    qtbot.addWidget(win)
    status = StatusWidgets(win.statusBar())
    cancelled_default = []
    router = ProgressRouter(status, worker, lambda: cancelled_default.append(1))
    yield status, router, cancelled_default
    win.close()  # the window owns the bar's widgets: it lives as long as the test


def test_cancel_stops_the_work_the_status_bar_shows(qtbot, worker, bar):
    status, router, _default = bar
    gate = threading.Event()
    seen = []
    _watched(worker, "timeline", _reporting("timeline", gate), seen, "timeline")
    qtbot.waitUntil(lambda: status.message.text().startswith("timeline"), timeout=10_000)
    edit = _watched(worker, "analyze", _slow("edit"), seen, "edit")  # queued behind the timeline
    router.cancel_shown()  # Esc
    with qtbot.waitSignal(edit.finished, timeout=10_000):
        pass
    ends = [(tag, what) for tag, what, _v in seen if what != "event"]
    assert ends == [("timeline", "cancelled"), ("edit", "finished")]
    gate.set()


def test_after_an_edit_answered_inside_a_timeline_the_bar_shows_the_timeline_again(
    qtbot, worker, bar
):
    status, router, _default = bar
    gate = threading.Event()
    timeline = worker.submit("timeline", _reporting("timeline", gate)).start()
    qtbot.waitUntil(lambda: status.message.text().startswith("timeline"), timeout=10_000)
    edit = worker.submit("analyze", _slow("edit", threading.Event()))
    with qtbot.waitSignal(edit.finished, timeout=10_000):
        edit.start()
    # between the edit's end and the timeline's next report, the bar still shows the timeline
    assert router.shown == timeline and not status.progress.isHidden()
    assert status.message.text().startswith("timeline")
    router.cancel_shown()  # Esc stops the timeline, not nothing
    qtbot.waitUntil(lambda: not worker.busy(), timeout=10_000)
    assert status.message.text() == "cancelled" and status.progress.isHidden()
    gate.set()


def test_an_edit_discarded_mid_run_leaves_the_bar_idle(qtbot, worker, bar):
    status, _router, _default = bar
    gate = threading.Event()
    h = worker.submit("analyze", _reporting("sweeping", gate)).start()
    qtbot.waitUntil(lambda: status.message.text().startswith("sweeping"), timeout=10_000)
    h.discard()  # the input was cleared: nothing more is delivered for it
    assert status.progress.isHidden() and status.cancel.isHidden()
    gate.set()


def test_a_side_job_never_leaves_the_status_bar_busy(qtbot, worker, bar):
    status, _router, _default = bar
    gate = threading.Event()
    edit = worker.submit("analyze", _slow("edit", gate))
    with qtbot.waitSignal(edit.finished, timeout=10_000):
        edit.start()
        gate.set()
    worker.submit("baseline", _reporting("baseline", threading.Event())).start()
    qtbot.wait(100)
    assert status.progress.isHidden() and not status.message.text().startswith("baseline")
    worker.cancel_all()


def test_cancel_with_nothing_shown_falls_back_to_the_analysis(qtbot, worker, bar):
    _status, router, default = bar
    router.cancel_shown()
    assert default == [1]


@pytest.mark.parametrize(
    "which, label", [("phase1/checkpoint-100", "positive"), ("phase2/checkpoint-200", "negative")]
)
def test_an_edit_is_answered_inside_a_running_timeline(
    qtbot, worker, keyword_model, sentiment_probe, tmp_path, which, label
):
    # the edit waits at most one example (its model is the one loaded) or one checkpoint
    # (another model), not the whole timeline
    from conftest import three_checkpoint_series

    from inspector.core.inputs import Example
    from inspector.core.jobs import analyze_job
    from inspector.core.probe import load_probe
    from inspector.core.results import Settings
    from inspector.core.series import discover_series
    from inspector.core.timeline import run_timeline

    root = three_checkpoint_series(keyword_model, tmp_path / "run")
    probe = load_probe(sentiment_probe)
    inputs = [Example(t) for t in ("the food was great", "our staff was awful", "a great room")]
    order, results = [], {}

    def timeline(pool, task, emit):
        return run_timeline(
            discover_series(root),
            probe,
            inputs,
            Settings(),
            pool=pool,
            cache=worker.cache,
            task=task,
        )

    ckpt = str(discover_series(root).find(which).path)
    long = worker.submit("timeline", timeline)
    edit = worker.submit(
        "analyze", analyze_job(worker.cache, ckpt, probe, "the staff was great", Settings()), ckpt
    )
    for name, h in (("long", long), ("edit", edit)):
        h.finished.connect(lambda r, name=name: (order.append(name), results.setdefault(name, r)))
    with qtbot.waitSignal(long.finished, timeout=120_000):
        long.start(), edit.start()
    assert order == ["edit", "long"]
    assert results["edit"].result.label == label  # the trained model's answer, or the untrained's
    assert [u.text for u in results["edit"].result.units] == ["the", "staff", "was", "great"]
    assert [c.error is None for c in results["long"].checkpoints] == [True, True, False]
