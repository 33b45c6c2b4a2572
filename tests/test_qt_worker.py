"""The background worker: latest request wins, cancel, errors, clean shutdown."""

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


def test_newer_request_of_a_kind_supersedes_the_older(qtbot, worker):
    seen = []
    worker.event.connect(lambda rid, kind, payload: seen.append(("event", rid, payload)))
    worker.finished.connect(lambda rid, result: seen.append(("finished", rid, result)))
    worker.cancelled.connect(lambda rid: seen.append(("cancelled", rid)))
    ids = [worker.submit("analyze", _slow(i)) for i in range(5)]
    with qtbot.waitSignal(
        worker.finished, timeout=10_000, check_params_cb=lambda rid, r: rid == ids[-1]
    ):
        pass
    qtbot.wait(200)
    assert {s[1] for s in seen} == {ids[-1]}
    assert ("finished", ids[-1], 4) in seen


def test_kinds_do_not_supersede_each_other(qtbot, worker):
    done = []
    worker.finished.connect(lambda rid, result: done.append(result))
    with qtbot.waitSignals([worker.finished, worker.finished], timeout=10_000):
        worker.submit("analyze", _slow("a"))
        worker.submit("baseline", _slow("b"))
    assert sorted(done) == ["a", "b"]


def test_cancel_reports_once_and_drops_late_results(qtbot, worker):
    got = []
    worker.finished.connect(lambda rid, r: got.append(r))
    with qtbot.waitSignal(worker.started, timeout=5_000):
        rid = worker.submit("analyze", _slow("x"))
    with qtbot.waitSignal(worker.cancelled, timeout=5_000) as sig:
        worker.cancel(rid)
    assert sig.args == [rid]
    qtbot.wait(700)
    assert got == []
    assert not worker.busy()


def test_errors_become_messages_and_the_worker_goes_on(qtbot, worker):
    def boom(pool, task, emit):
        raise ZeroDivisionError("division by zero in the job")

    def bad_input(pool, task, emit):
        raise InputError("the input is empty")

    with qtbot.waitSignal(worker.failed, timeout=5_000) as sig:
        worker.submit("a", boom)
    message, details = sig.args[1], sig.args[2]
    assert message == "ZeroDivisionError: division by zero in the job"
    assert "Traceback" in details
    with qtbot.waitSignal(worker.failed, timeout=5_000) as sig:
        worker.submit("a", bad_input)
    assert sig.args[1:] == ["the input is empty", ""]
    with qtbot.waitSignal(worker.finished, timeout=5_000) as sig:
        worker.submit("a", lambda pool, task, emit: 42)
    assert sig.args[1] == 42


def test_jobs_run_off_the_ui_thread_and_shutdown_joins(qtbot, tmp_path):
    from inspector.core.cache import ResultCache

    w = Worker(cache=ResultCache(tmp_path / "c.sqlite"))
    with qtbot.waitSignal(w.finished, timeout=5_000) as sig:
        w.submit("where", lambda pool, task, emit: threading.get_ident())
    assert sig.args[1] != threading.get_ident()
    w.submit("slow", _slow("never"))
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
    side = set()
    cancelled_default = []
    router = ProgressRouter(status, worker, side.__contains__, lambda: cancelled_default.append(1))
    yield status, router, side, cancelled_default
    win.close()  # the window owns the bar's widgets: it lives as long as the test


def test_cancel_stops_the_work_the_status_bar_shows(qtbot, worker, bar):
    status, router, _side, _default = bar
    gate = threading.Event()
    ended = {}
    worker.finished.connect(lambda rid, r: ended.setdefault(rid, "finished"))
    worker.cancelled.connect(lambda rid: ended.setdefault(rid, "cancelled"))
    timeline = worker.submit("timeline", _reporting("timeline", gate))
    qtbot.waitUntil(lambda: status.message.text().startswith("timeline"), timeout=10_000)
    edit = worker.submit("analyze", _slow("edit"))  # queued behind the timeline
    router.cancel_shown()  # Esc
    with qtbot.waitSignal(worker.finished, timeout=10_000, check_params_cb=lambda r, _v: r == edit):
        pass
    assert ended == {timeline: "cancelled", edit: "finished"}
    gate.set()


def test_after_an_edit_answered_inside_a_timeline_the_bar_shows_the_timeline_again(
    qtbot, worker, bar
):
    status, router, _side, _default = bar
    gate = threading.Event()
    timeline = worker.submit("timeline", _reporting("timeline", gate))
    qtbot.waitUntil(lambda: status.message.text().startswith("timeline"), timeout=10_000)
    with qtbot.waitSignal(worker.finished, timeout=10_000):
        worker.submit("analyze", _slow("edit", threading.Event()))
    # between the edit's end and the timeline's next report, the bar still shows the timeline
    assert router.shown == timeline and not status.progress.isHidden()
    assert status.message.text().startswith("timeline")
    router.cancel_shown()  # Esc stops the timeline, not nothing
    qtbot.waitUntil(lambda: not worker.busy(), timeout=10_000)
    assert status.message.text() == "cancelled" and status.progress.isHidden()
    gate.set()


def test_an_edit_discarded_mid_run_leaves_the_bar_idle(qtbot, worker, bar):
    status, _router, _side, _default = bar
    gate = threading.Event()
    rid = worker.submit("analyze", _reporting("sweeping", gate))
    qtbot.waitUntil(lambda: status.message.text().startswith("sweeping"), timeout=10_000)
    worker.discard(rid)  # the input was cleared: nothing more is delivered for it
    assert status.progress.isHidden() and status.cancel.isHidden()
    gate.set()


def test_a_side_job_never_leaves_the_status_bar_busy(qtbot, worker, bar):
    status, _router, side, _default = bar
    gate = threading.Event()
    with qtbot.waitSignal(worker.finished, timeout=10_000):
        worker.submit("analyze", _slow("edit", gate))
        gate.set()
    side.add(worker.submit("baseline", _reporting("baseline", threading.Event())))
    qtbot.wait(100)
    assert status.progress.isHidden() and not status.message.text().startswith("baseline")
    worker.cancel()


def test_cancel_with_nothing_shown_falls_back_to_the_analysis(qtbot, worker, bar):
    _status, router, _side, default = bar
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
    from inspector.core.probe import load_probe
    from inspector.core.results import Settings
    from inspector.core.series import discover_series
    from inspector.core.timeline import run_timeline
    from inspector.qt.jobs import analyze_job

    root = three_checkpoint_series(keyword_model, tmp_path / "run")
    probe = load_probe(sentiment_probe)
    inputs = [Example(t) for t in ("the food was great", "our staff was awful", "a great room")]
    order, results = [], {}
    worker.finished.connect(lambda rid, r: (order.append(rid), results.setdefault(rid, r)))

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
    with qtbot.waitSignal(worker.finished, timeout=120_000, check_params_cb=lambda r, _v: r == 1):
        long = worker.submit("timeline", timeline)
        edit = worker.submit(
            "analyze",
            analyze_job(worker.cache, ckpt, probe, "the staff was great", Settings()),
            ckpt,
        )
    assert long == 1 and order == [edit, long]
    assert results[edit].result.label == label  # the trained model's answer, or the untrained's
    assert [u.text for u in results[edit].result.units] == ["the", "staff", "was", "great"]
    assert [c.error is None for c in results[long].checkpoints] == [True, True, False]
