from __future__ import annotations

import pytest

from brainstem.fingerprint.accuracy import grouping_accuracy, normalize_template, parsing_accuracy


def test_grouping_perfect_with_different_labels():
    assert grouping_accuracy(["a", "a", "b"], [7, 7, 9]) == 1.0


def test_grouping_merged_groups_are_all_wrong():
    # predicted group {0,1,2} matches neither true group
    assert grouping_accuracy(["a", "a", "b"], [1, 1, 1]) == 0.0


def test_grouping_split_group_counts_only_exact_groups():
    truth = ["a", "a", "a", "b", "c"]
    pred = [1, 1, 2, 3, 4]
    # {0,1} and {2} are not the true {0,1,2}; b and c are right
    assert grouping_accuracy(truth, pred) == pytest.approx(2 / 5)


def test_grouping_length_mismatch():
    with pytest.raises(ValueError):
        grouping_accuracy(["a"], [1, 2])


def test_normalize_template_folds_whitespace_and_adjacent_variables():
    assert normalize_template("  a   <*> <*>  b ") == "a <*> b"
    assert normalize_template("x <*><*>:<*>") == "x <*>:<*>"
    assert normalize_template("<*>  <*> <*>") == "<*>"


def test_parsing_accuracy():
    truth = ["Failed password for <*> from <*> port <*> ssh2", "a <*> <*> b", "c"]
    pred = ["Failed  password for <*> from <*> port <*> ssh2", "a <*> b", "d"]
    assert parsing_accuracy(truth, pred) == pytest.approx(2 / 3)
    assert parsing_accuracy([], []) == 1.0
