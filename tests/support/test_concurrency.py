import threading

import pytest

from tests.support.concurrency import ThreadsHung, run_together


def test_run_together_returns_each_threads_result_or_exception_in_order():
    def work(i: int) -> int:
        if i == 1:
            raise ValueError("second call failed")
        return i * 10

    first, second, third = run_together(3, work)

    assert (first, third) == (0, 20)
    assert isinstance(second, ValueError)
    assert str(second) == "second call failed"


def test_run_together_fails_when_a_thread_hangs_past_its_timeout():
    release = threading.Event()
    try:
        hung = r"1 of 2 thread\(s\) still running after 0.3s: \[1\]"
        with pytest.raises(ThreadsHung, match=hung):
            run_together(2, lambda i: release.wait(10) if i == 1 else i, timeout=0.3)
    finally:
        release.set()
