"""The seed loader's read-ahead: the generator runs in a thread one or two batches ahead."""

from __future__ import annotations

import threading

import pytest

from demo.services import _ahead


def test_items_come_in_order_and_all_of_them():
    assert list(_ahead(iter(range(1000)), depth=2)) == list(range(1000))


def test_an_error_in_the_generator_is_raised_in_the_caller_after_the_items_before_it():
    def failing():
        yield 1
        yield 2
        raise ValueError("bad zip table")

    seen = []
    with pytest.raises(ValueError, match="bad zip table"):
        for item in _ahead(failing()):
            seen.append(item)
    assert seen == [1, 2]


def test_a_caller_that_stops_early_stops_the_generator_thread():
    produced = []

    def endless():
        n = 0
        while True:
            produced.append(n)
            yield n
            n += 1

    items = _ahead(endless(), depth=2)
    assert [next(items) for _ in range(3)] == [0, 1, 2]
    items.close()

    assert not [t for t in threading.enumerate() if t.name == "seed-demo-generator"]
    assert len(produced) <= 3 + 2 + 1  # read, queued, and the one in hand when stopped
