"""Configuration: environment over ouderlijn.toml over defaults; unknown keys are errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings


def test_defaults(tmp_path):
    settings = load_settings(env={}, cwd=tmp_path)
    assert settings.db_path == Path("ouderlijn.db")
    assert settings.matcher.answer_threshold > settings.matcher.suggest_threshold


def test_toml_then_env(tmp_path):
    (tmp_path / "ouderlijn.toml").write_text(
        '[storage]\ndb = "uit-bestand.db"\n[matcher]\nanswer_threshold = 0.7\nmax_suggestions = 2\n'
    )
    settings = load_settings(env={}, cwd=tmp_path)
    assert settings.db_path == Path("uit-bestand.db")
    assert settings.matcher.answer_threshold == 0.7 and settings.matcher.max_suggestions == 2
    settings = load_settings(env={"OUDERLIJN_DB": "env.db"}, cwd=tmp_path)
    assert settings.db_path == Path("env.db")


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[matcher]\nanswer_treshold = 0.5\n", "unknown key 'answer_treshold'"),
        ("[matcher]\nanswer_threshold = 'hoog'\n", "must be a number"),
        ("[matcher\n", "ouderlijn.toml"),
        ("[handoff]\nescalate_after = 5\n", "unknown key 'escalate_after'"),
        ("[handoff]\nreopen_days = -1\n", "reopen_days must be a number of at least 0"),
        ("[helpline.hours]\nmon = '17:00-09:00'\n", "helpline.hours.mon"),
        ("[helpline.hours]\ntimezone = 'Mars/Olympus'\n", "unknown time zone"),
        ("[helpline]\nretention_days = 3\n", "reopen_days \\(7\\) must not exceed"),
    ],
)
def test_bad_toml(tmp_path, toml, message):
    (tmp_path / "ouderlijn.toml").write_text(toml)
    with pytest.raises(ConfigError, match=message):
        load_settings(env={}, cwd=tmp_path)


def test_missing_explicit_config_file(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(env={"OUDERLIJN_CONFIG": str(tmp_path / "weg.toml")}, cwd=tmp_path)


def test_example_config_is_valid(tmp_path):
    example = Path(__file__).resolve().parents[1] / "ouderlijn.example.toml"
    settings = load_settings(env={"OUDERLIJN_CONFIG": str(example)}, cwd=tmp_path)
    assert settings.helpline.retention_days == 30
    assert settings.helpline.contact is not None and "0800" in settings.helpline.contact
    assert settings.handoff.escalate_after_minutes == 10 and settings.handoff.reopen_days == 7
    hours = settings.handoff.hours
    assert len(hours.periods[2]) == 2 and not hours.periods[5]  # lunch on Wednesday, Saturday off


def test_handoff_defaults_and_holidays_keep_default_days(tmp_path):
    from datetime import date

    assert load_settings(env={}, cwd=tmp_path).handoff.hours.periods[0]  # Monday open
    (tmp_path / "ouderlijn.toml").write_text(
        "[helpline.hours]\nclosed = ['2026-12-25']\n[handoff]\nescalate_after_minutes = 3\n"
    )
    settings = load_settings(env={}, cwd=tmp_path).handoff
    assert settings.escalate_after_minutes == 3.0 and settings.hours.periods[0]
    assert date(2026, 12, 25) in settings.hours.closed_dates


def test_helpline_settings_are_checked(tmp_path):
    (tmp_path / "ouderlijn.toml").write_text("[helpline]\nretention_days = 0\n")
    with pytest.raises(ConfigError, match="at least 1"):
        load_settings(env={}, cwd=tmp_path)
    with pytest.raises(ConfigError, match="whole number"):
        load_settings(env={"OUDERLIJN_RETENTION_DAYS": "veel"}, cwd=tmp_path)


def test_the_urgent_buddy_window_is_configurable(tmp_path):
    assert load_settings(env={}, cwd=tmp_path).handoff.urgent_buddy_after_minutes == 5.0
    (tmp_path / "ouderlijn.toml").write_text("[handoff]\nurgent_buddy_after_minutes = 2\n")
    assert load_settings(env={}, cwd=tmp_path).handoff.urgent_buddy_after_minutes == 2.0
    (tmp_path / "ouderlijn.toml").write_text("[handoff]\nurgent_buddy_after_minutes = -1\n")
    with pytest.raises(ConfigError, match="urgent_buddy_after_minutes"):
        load_settings(env={}, cwd=tmp_path)
