"""The config file: env overrides, typos caught, errors that name file and line, secrets kept."""

from __future__ import annotations

import logging

import pytest
from conftest import BASE_CONFIG, write_config

from mailbot.cli.main import main
from mailbot.config.settings import ConfigError, load_settings


def _problems(tmp_path, base: str, **env) -> list[str]:
    config = write_config(tmp_path, base=base)
    with pytest.raises(ConfigError) as caught:
        load_settings(config)
    return [str(p) for p in caught.value.problems]


def test_env_overrides_file_values_and_nested_clients(tmp_path, monkeypatch):
    config = write_config(tmp_path, '\n[smtp]\nhost = "file.example"\nport = 25\n')
    monkeypatch.setenv("MAILBOT_SMTP__PORT", "2525")
    monkeypatch.setenv("MAILBOT_SMTP__PASSWORD", "s3cret-pw")
    monkeypatch.setenv("MAILBOT_CLIENTS__ACME__LANGUAGE", "de")
    settings = load_settings(config)
    assert settings.smtp.host == "file.example"
    assert settings.smtp.port == 2525
    assert settings.smtp.password.get_secret_value() == "s3cret-pw"
    assert settings.clients["acme"].language == "de"
    assert settings.clients["acme"].name == "Acme Ltd"  # the rest of the table stays


def test_password_never_shows_in_repr_or_dump(tmp_path, monkeypatch):
    monkeypatch.setenv("MAILBOT_SMTP__PASSWORD", "s3cret-pw")
    settings = load_settings(write_config(tmp_path))
    assert "s3cret-pw" not in repr(settings)
    assert "s3cret-pw" not in str(settings.model_dump())


def test_unknown_key_is_reported_with_file_and_line(tmp_path):
    base = BASE_CONFIG.replace('currency = "EUR"', 'currency = "EUR"\ncurency = "USD"')
    problems = _problems(tmp_path, base)
    line = base.splitlines().index('curency = "USD"') + 1
    assert problems == [f"{tmp_path / 'mailbot.toml'}:{line}: [payment] curency: unknown key (a typo?)"]


def test_unknown_env_override_is_reported_by_its_name(tmp_path, monkeypatch):
    monkeypatch.setenv("MAILBOT_SMTP__HOTS", "x")
    problems = _problems(tmp_path, BASE_CONFIG)
    assert problems == ["environment:0: MAILBOT_SMTP__HOTS: unknown key (a typo?)"]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('iban = "DE89 3704 0044 0532 0130 00"', 'iban = "DE89 3704 0044 0532 0130 01"',
         "[payment] iban: 'DE89 3704 0044 0532 0130 01' fails the IBAN check digits"),
        ('currency = "EUR"', 'currency = "EUR0"', "[payment] currency: 'EUR0' is not an ISO 4217"),
        ('link = "https://pay.muster-design.example/{invoice}"', 'link = "javascript:alert(1)"',
         "[payment] link: 'javascript:alert(1)' must start with https://"),
        ('timezone = "Europe/Berlin"', 'timezone = "Mars/Olympus"',
         "[clients.acme] timezone: 'Mars/Olympus' is not a time zone"),
        ('email = "ap@acme.example"', 'email = "ap at acme"',
         "[clients.acme] email: 'ap at acme' is not an email address"),
        ('terms_days = 14', 'terms_days = "two weeks"', "[payment] terms_days: Input should be a valid integer"),
    ],
)  # fmt: skip
def test_bad_values_name_the_key_and_why(tmp_path, old, new, expected):
    base = BASE_CONFIG.replace(old, new, 1)
    assert base != BASE_CONFIG
    problems = _problems(tmp_path, base)
    assert len(problems) == 1
    assert expected in problems[0]
    line = next(i for i, text in enumerate(base.splitlines(), 1) if text == new)
    assert problems[0].startswith(f"{tmp_path / 'mailbot.toml'}:{line}: ")


def test_missing_business_section_is_reported(tmp_path):
    base = BASE_CONFIG.replace("[business]", "[busines]")
    problems = _problems(tmp_path, base)
    assert any("business: required key is missing" in p for p in problems)
    assert any("busines: unknown key" in p for p in problems)


def test_broken_toml_names_the_line(tmp_path):
    problems = _problems(tmp_path, BASE_CONFIG + "\n[smtp\n")
    assert problems[0].startswith(f"{tmp_path / 'mailbot.toml'}:")
    assert "not valid TOML" in problems[0]


def test_paths_are_relative_to_the_config_file(tmp_path):
    settings = load_settings(write_config(tmp_path / "conf"))
    assert settings.ledger_path == tmp_path / "conf" / "ledger.csv"
    assert settings.state_path == tmp_path / "conf" / "var" / "mailbot.db"


def test_client_domains_default_to_the_email_domain_but_never_a_public_provider(tmp_path):
    base = BASE_CONFIG + '\n[clients.jane]\nname = "Jane"\nemail = ["jane@gmail.com", "j@studio.example"]\n'
    settings = load_settings(write_config(tmp_path, base=base))
    assert settings.clients["jane"].trusted_domains == ["studio.example"]
    assert settings.clients["acme"].trusted_domains == ["acme.example"]


def test_check_reports_config_problems_and_exits_1(tmp_path, capsys):
    config = write_config(tmp_path, base=BASE_CONFIG.replace("color", "colour"))
    config.write_text(config.read_text() + '\n[brand]\ncolor = "red"\n')
    assert main(["--config", str(config), "check"]) == 1
    out = capsys.readouterr().out
    assert f"{config}:" in out and "[brand] color: 'red' is not a colour like #1f4e79" in out


def test_check_fails_for_a_client_language_without_translations(tmp_path, capsys):
    config = write_config(tmp_path, base=BASE_CONFIG.replace('language = "en"', 'language = "it"'))
    assert main(["--config", str(config), "check"]) == 1
    out = capsys.readouterr().out
    line = config.read_text().splitlines().index('language = "it"') + 1
    assert f"{config}:{line}: [clients.acme] language: no translation for 'it'" in out


def test_a_translation_in_the_owners_templates_dir_adds_the_language(tmp_path, capsys):
    own = tmp_path / "mine" / "locale" / "it" / "LC_MESSAGES"
    own.mkdir(parents=True)
    (own / "mailbot.po").write_text('msgid "Amount due"\nmsgstr "Importo dovuto"\n', encoding="utf-8")
    base = BASE_CONFIG.replace('language = "en"', 'language = "it"')
    config = write_config(tmp_path, '\n[templates]\ndir = "mine"\n', base=base)
    assert main(["--config", str(config), "check"]) == 0
    assert "no translation" not in capsys.readouterr().out


@pytest.mark.parametrize("language", ["fi", "sr", "sr-Cyrl", "sr-Latn", "fr", "de-AT"])
def test_check_passes_the_shipped_languages(tmp_path, capsys, language):
    config = write_config(tmp_path, base=BASE_CONFIG.replace('language = "en"', f'language = "{language}"'))
    assert main(["--config", str(config), "check"]) == 0
    assert "no translation" not in capsys.readouterr().out


def test_secrets_are_not_logged_by_a_failing_login(tmp_path, monkeypatch, caplog, capsys):
    monkeypatch.setenv("MAILBOT_SMTP__PASSWORD", "s3cret-pw")
    config = write_config(tmp_path, '\n[smtp]\nhost = "127.0.0.1"\nport = 1\nsecurity = "none"\n'
                          'username = "u"\n')  # fmt: skip
    with caplog.at_level(logging.DEBUG):
        main(["--config", str(config), "check", "--connect"])
        main(["--config", str(config), "run", "--once"])
    captured = capsys.readouterr()
    assert "s3cret-pw" not in caplog.text + captured.out + captured.err
    assert "smtp 127.0.0.1:1: cannot connect" in captured.out
