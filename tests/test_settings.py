from pathlib import Path

import pytest

from brainstem.settings import SETTINGS, SettingsError, load_settings, settings_markdown

REPO = Path(__file__).resolve().parent.parent


def test_precedence_override_env_file_default(tmp_path):
    cfg = tmp_path / "brainstem.toml"
    cfg.write_text("burst_ratio = 4.0\nspread_min_assets = 7\n")
    s = load_settings(cfg, env={"BRAINSTEM_SPREAD_MIN_ASSETS": "9"}, batch_size=10)
    assert s.burst_ratio == 4.0            # file
    assert s.spread_min_assets == 9        # env beats file
    assert s.batch_size == 10              # override beats all
    assert s.recurrence_min_buckets == 3   # default


def test_bad_values_name_their_source(tmp_path):
    with pytest.raises(SettingsError, match="BRAINSTEM_BURST_RATIO"):
        load_settings(env={"BRAINSTEM_BURST_RATIO": "lots"})
    cfg = tmp_path / "b.toml"
    cfg.write_text("no_such_knob = 1\n")
    with pytest.raises(SettingsError, match="no_such_knob"):
        load_settings(cfg, env={})
    cfg.write_text("burst_ratio = [\n")
    with pytest.raises(SettingsError, match=str(cfg)):
        load_settings(cfg, env={})
    with pytest.raises(SettingsError, match="not found"):
        load_settings(tmp_path / "missing.toml", env={})


def test_windows_and_batches_of_nothing_are_refused(tmp_path):
    """A zero sliding window made the burst detector fail with an IndexError mid-ingest."""
    with pytest.raises(SettingsError, match="BRAINSTEM_BURST_WINDOW_SECONDS.*more than 0, got 0"):
        load_settings(env={"BRAINSTEM_BURST_WINDOW_SECONDS": "0"})
    cfg = tmp_path / "b.toml"
    cfg.write_text("spread_window_seconds = -5\n")
    with pytest.raises(SettingsError, match=f"{cfg}: spread_window_seconds must be more than 0"):
        load_settings(cfg, env={})
    with pytest.raises(SettingsError, match="batch_size"):
        load_settings(env={}, batch_size=0)
    with pytest.raises(SettingsError, match="self_heal_window_seconds"):
        load_settings(env={}).replace(self_heal_window_seconds=0)
    assert load_settings(env={}, burst_window_seconds=1).burst_window_seconds == 1


def test_every_setting_is_documented():
    doc = (REPO / "docs" / "settings.md").read_text()
    assert settings_markdown() in doc, "docs/settings.md is stale: regenerate it from settings_markdown()"
    assert len({s.name for s in SETTINGS}) == len(SETTINGS)
