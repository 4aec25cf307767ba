"""The collector paused for a stream of events, and what it is handed back afterwards."""
import gc
import weakref

from brainstem.gcpause import collect_less


class _Node:
    pass


def test_what_the_block_leaves_goes_to_the_oldest_generation_unwalked():
    gc.collect()
    before = gc.get_threshold()
    keep = []
    ran = []

    def seen(phase, info):
        if phase == "start":
            ran.append(info["generation"])
    with collect_less(10**6):
        keep.extend([[] for _ in range(50_000)])
        gc.callbacks.append(seen)
    try:
        after = [gc.get_threshold(), gc.get_count()]     # allocations: a young collection would start here
    finally:
        gc.callbacks.remove(seen)
    assert after[0] == before
    # no young collection was owed over those 50,000 lists: they were promoted, not dropped
    assert ran == [] and after[1][0] < 1_000
    assert gc.is_tracked(keep[0]) and gc.get_freeze_count() == 0


def test_a_cycle_made_in_the_block_is_still_collected():
    with collect_less(10**6):
        a = _Node()
        a.me = a
        gone = weakref.ref(a)
        del a
    gc.collect()
    assert gone() is None


def test_objects_someone_else_froze_stay_frozen():
    gc.collect()
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with collect_less(10**6):
            [[] for _ in range(1_000)]
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()
