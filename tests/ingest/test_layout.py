from __future__ import annotations

import pytest

from brainstem.ingest.layout import learn_layout

from .conftest import utc

REF = utc(2024, 6, 1)


def layout(lines, ref=REF):
    got = learn_layout(lines, ref)
    assert got is not None, "no layout"
    return got


def test_day_month_order_is_settled_by_a_day_above_twelve():
    lines = [f"0{d}/05/2024 10:00:0{d} msg {d}" for d in range(1, 10)] + ["13/05/2024 10:00:09 msg 13"]
    assert layout(lines).form.name == "dmy-slash"
    us = [f"05/0{d}/2024 10:00:0{d} msg" for d in range(1, 10)] + ["05/13/2024 10:00:09 msg"]
    assert layout(us).form.name == "mdy-slash"


def test_day_month_order_from_the_order_of_times_when_every_day_is_twelve_or_less():
    # read as M/D these run forwards (Jan 2, Jan 3, ... Jan 12); read as D/M they jump by months
    lines = [f"01/{d:02d}/2024 10:00:00 tick" for d in range(2, 13)]
    assert layout(lines).form.name == "mdy-slash"
    lines = [f"{d:02d}/01/2024 10:00:00 tick" for d in range(2, 13)]
    assert layout(lines).form.name == "dmy-slash"


def test_two_digit_years_nearest_the_files_time():
    # 17/06/09 is 2017-06-09 (yy/mm/dd) or 2009-06-17 (dd/mm/yy); the file is from 2018
    lines = [f"17/06/09 20:10:{s:02d} INFO x: y" for s in range(10)]
    assert layout(lines, utc(2018, 1, 1)).form.name == "yymd-slash"
    assert layout(lines, utc(2009, 7, 1)).form.name == "dmyy-slash"


@pytest.mark.parametrize("lines,lead,form", [
    (["INFO  [main] 2024-05-14 10:22:33,123 A.java:1 - x", "WARN  [t-1] 2024-05-14 10:22:34,000 B.java:2 - y"] * 3,
     2, "iso"),
    (["nova-api.log.1.2017-05-16_13:53:08 2017-05-16 00:00:00.008 25746 INFO x", ] * 4, 1, "iso"),
    (["Information,5/14/2024 10:22:33 AM,Service Control Manager,7036,None,The service entered the running state."] * 4,
     1, "mdy-slash"),
    (["- 1117838570 2005.06.03 R02-M1-N0-C:J12-U11 2005-06-03-15.42.50.675872 R02 RAS KERNEL INFO x"] * 4, 1, "epoch"),
])
def test_time_after_leading_columns(lines, lead, form):
    got = layout(lines)
    assert (got.lead, got.form.name) == (lead, form)


def test_a_counter_column_is_not_a_clock():
    # ten digits in epoch range, but not in time order: an id, not a time; the ISO time after it wins
    lines = [f"{n} 2024-05-14 10:22:{i:02d} INFO x" for i, n in
             enumerate([1715682153, 1615682153, 1815682153, 1415682153, 1915682153, 1215682153])]
    got = layout(lines)
    assert (got.form.name, got.lead) == ("iso", 1)


def test_the_longer_form_wins_and_a_time_inside_a_date_time_is_not_a_candidate():
    assert layout(["[Sun Dec 04 04:47:44 2005] [notice] x"] * 4).form.name == "asctime"
    assert layout(["2015-10-18 18:01:47,978 INFO [main] x: y"] * 4).form.name == "iso"


def test_no_layout_without_enough_times():
    assert learn_layout(["just text", "more text", "and more", "2024-05-14 10:22:33 one"] * 2, REF) is not None
    assert learn_layout(["just text"] * 9 + ["2024-05-14 10:22:33 one"], REF) is None
    assert learn_layout([], REF) is None


def test_csv_header_row_names_columns():
    lines = ["Level,Date and Time,Source,Event ID,Task Category"] + [
        f"Information,5/14/2024 10:22:3{i} AM,Service Control Manager,7036,None,The service entered state {i}."
        for i in range(5)]
    got = layout(lines)
    assert got.delim == "," and got.names == ("source", "event_id", "task_category")
    assert got.delim_roles[0] == "component" and got.header_line == lines[0]


def test_w3c_fields():
    lines = ["#Software: IIS", "#Fields: date time s-ip cs-method cs-uri-stem sc-status"] + [
        f"2024-05-14 10:22:3{i} 10.0.0.10 GET /a{i} 200" for i in range(4)]
    assert layout(lines).w3c == ("s_ip", "cs_method", "cs_uri_stem", "sc_status")


def test_describe_says_where_and_what():
    got = layout(["2015-10-18 18:01:47,978 INFO [main] org.x.Y: hello"] * 5)
    assert got.describe() == "time as iso ('2015-10-18 18:01:47,978') first column; header: level, context, tag"
