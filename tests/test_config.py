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


def test_helpline_settings_are_checked(tmp_path):
    (tmp_path / "ouderlijn.toml").write_text("[helpline]\nretention_days = 0\n")
    with pytest.raises(ConfigError, match="at least 1"):
        load_settings(env={}, cwd=tmp_path)
    with pytest.raises(ConfigError, match="whole number"):
        load_settings(env={"OUDERLIJN_RETENTION_DAYS": "veel"}, cwd=tmp_path)
