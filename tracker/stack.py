"""Room on Python's frame stack for a whole worker, against a CPython 3.11 slowdown.

CPython 3.11 keeps the frames of running Python functions in chunks of 16 KB. When a call
does not fit in the current chunk, the interpreter maps a new one, and unmaps it as soon as
that call returns. A loop that keeps calling a function right across that boundary maps and
unmaps memory on every call (CPython issue gh-142183; 3.13 and later keep a spare chunk).
Where the boundary falls depends on how deep the server's own frames are: in a gunicorn
worker at 100x the real data, Mexico's country page crossed it 25,000 times per request, and
40 % of the request's CPU time went to the kernel mapping memory.

`on_roomy_stack(function)` calls `function` from a frame that declares an evaluation stack of
half a megabyte it never uses. The interpreter gives that frame a fresh chunk of 1 MB, and
every frame the call makes follows it in the same chunk, so no boundary is crossed until the
stack is half a megabyte deeper: far deeper than a request goes. The unused slots are never
written, so the kernel never backs them with memory. Only when something walks the stack down
to that frame (a profiler, `inspect.stack()`) does Python copy it into a frame object of the
same half megabyte, once for as long as the frame lives: once per worker.
"""

import functools

# Evaluation-stack slots (8 bytes each) declared by the calling frame: with the interpreter's
# own margin, the frame needs more than 512 KB, so its chunk is 1 MB.
SLOTS = 64 * 1024


def _call(function, args, kwargs):
    return function(*args, **kwargs)


_call_with_room = type(_call)(_call.__code__.replace(co_stacksize=SLOTS), globals(), "_call")


def on_roomy_stack(function):
    """`function`, called from a frame with half a megabyte of room after it."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        return _call_with_room(function, args, kwargs)

    return wrapper
