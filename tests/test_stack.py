"""A gunicorn worker serves from a roomy frame stack (tracker/stack.py): a loop that calls a
function right across a boundary of CPython 3.11's frame chunks maps no memory per call."""

import resource
import sys

import pytest

from tracker.stack import on_roomy_stack

CALLS = 1_000
# Deep enough to cross two of CPython's 16 KB frame chunks, whatever pytest's own depth.
DEPTHS = range(400)


def nested(depth, then):
    if depth:
        return nested(depth - 1, then)
    return then()


def callee():
    # Twenty values on its evaluation stack at once: a frame longer than a step of
    # `nested`, so that some depth leaves too little room for it at the end of a chunk.
    x = 0
    return [x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x]


def calls_in_a_loop():
    for _call in range(CALLS):
        callee()


def page_faults_at(depth):
    """Memory pages the kernel had to provide while the loop ran `depth` frames deeper."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    nested(depth, calls_in_a_loop)
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before


def most_page_faults_at_any_depth():
    return max(page_faults_at(depth) for depth in DEPTHS)


def test_a_loop_on_a_roomy_stack_maps_no_memory_per_call_at_any_depth():
    if sys.version_info < (3, 13):
        # Without room, some depth maps and unmaps a chunk on every call (gh-142183).
        assert most_page_faults_at_any_depth() >= CALLS
    assert on_roomy_stack(most_page_faults_at_any_depth)() < CALLS // 10


def test_a_call_on_a_roomy_stack_is_the_call():
    def divide(a, b=1):
        return a / b

    roomy = on_roomy_stack(divide)
    assert roomy(6, b=3) == 2
    assert roomy.__wrapped__ is divide
    with pytest.raises(ZeroDivisionError):
        roomy(1, b=0)
