"""The collector's pause around building and judging a large model."""

from __future__ import annotations

import gc

from confcheck import gc_pause


def test_what_a_pause_made_is_filed_with_the_oldest_objects() -> None:
    """So the collector's first young pass after the pause does not walk all of it."""
    with gc_pause.paused():
        assert not gc.isenabled()
        made = [[number] for number in range(2000)]
    assert gc.isenabled()
    old = {id(item) for item in gc.get_objects(generation=2)}
    assert all(id(item) in old for item in made)
    assert gc.get_freeze_count() == 0


def test_a_pause_leaves_objects_frozen_by_others_frozen() -> None:
    frozen_before = [[number] for number in range(10)]
    gc.freeze()
    try:
        count = gc.get_freeze_count()
        with gc_pause.paused():
            [[number] for number in range(10)]
        assert gc.get_freeze_count() == count
        assert frozen_before
    finally:
        gc.unfreeze()


def test_a_nested_pause_resumes_at_the_outermost() -> None:
    with gc_pause.paused():
        with gc_pause.paused():
            pass
        assert not gc.isenabled()
    assert gc.isenabled()


def test_before_exit_takes_every_object_out_of_the_collectors_reach() -> None:
    """For the command line's run as the program: the interpreter's collections at exit skip it all."""
    made = [[number] for number in range(100)]
    try:
        gc_pause.before_exit()
        assert gc.isenabled()
        assert gc.get_freeze_count() >= len(made)
        tracked = {id(item) for item in gc.get_objects()}
        assert not any(id(item) in tracked for item in made)  # out of every generation
    finally:
        gc.unfreeze()
