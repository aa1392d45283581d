"""Every config value has bounds, and every problem with one is ``FILE:LINE``, never a traceback."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from config_fields import config_keys, with_value
from conftest import BASE_CONFIG, write_config
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailbot.config.settings import ConfigError, load_settings

KEYS = list(config_keys())
SCALARS = st.one_of(
    st.text(st.characters(exclude_categories=["Cs"]), max_size=30),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(),  # nan and inf too: TOML has them
    st.booleans(),
    st.dates(),
    st.datetimes(),
    st.decimals(allow_nan=False, allow_infinity=False).map(str),
    st.lists(st.text(max_size=5), max_size=2),
)


def _load(directory: Path, text: str) -> None:
    config = write_config(directory, base=text)
    try:
        load_settings(config)
    except ConfigError as exc:
        for problem in exc.problems:
            assert problem.file in (str(config), "environment"), problem
            assert problem.line > 0 or problem.file == "environment", problem


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(key=st.sampled_from(KEYS), value=SCALARS)
def test_any_toml_scalar_in_any_config_key_is_loaded_or_a_config_error_naming_its_line(tmp_path, key, value):
    _load(tmp_path, with_value(key, value))


def test_a_config_file_that_is_not_utf8_is_a_config_error_naming_its_line(tmp_path):
    config = tmp_path / "mailbot.toml"
    config.write_bytes(BASE_CONFIG.replace("Lindenstraße", "Lindenstra\xdfe").encode("latin-1"))
    with pytest.raises(ConfigError) as caught:
        load_settings(config)
    assert str(caught.value) == f"{config}:5: not UTF-8 (byte 0xdf); save the file as UTF-8"


def test_a_bad_client_id_is_reported_at_the_line_of_its_table(tmp_path):
    text = BASE_CONFIG + '\n[clients."acme ltd"]\nname = "Acme"\nemail = "a@acme.example"\n'
    config = write_config(tmp_path, base=text)
    with pytest.raises(ConfigError) as caught:
        load_settings(config)
    line = text.splitlines().index('[clients."acme ltd"]') + 1
    assert str(caught.value) == (
        f"{config}:{line}: [clients.acme ltd]: client id 'acme ltd' may hold letters, digits, . _ -"
    )


@pytest.mark.parametrize(
    ("key", "value"),
    [
        (("smtp", "timeout"), 1e300),
        (("imap", "timeout"), 86400 * 365),
        (("chase", "late_fee", "fixed"), 10**30),
        (("chase", "late_fee", "from_step"), 10**9),
        (("payment", "tax_rate"), "1E-999999"),
        (("chase", "early_discount", "percent"), "0.0000000000000000000001"),
    ],
)
def test_an_absurd_config_number_is_a_config_error_naming_its_line(tmp_path, key, value):
    text = with_value(key, value)
    config = write_config(tmp_path, base=text)
    with pytest.raises(ConfigError) as caught:
        load_settings(config)
    (problem,) = caught.value.problems
    assert problem.file == str(config)
    assert re.match(rf'^"?{key[-1]}"? = ', text.splitlines()[problem.line - 1])
    assert problem.message.startswith(f"[{'.'.join(key[:-1])}] {key[-1]}: ")


@pytest.mark.parametrize("char", ["\x00", "\x0b", "\x0c", "\x1b", "\x7f", "\x85", "\u2028"])
@pytest.mark.parametrize(
    "key", [("business", "name"), ("business", "address"), ("clients", "acme", "note"), ("payment", "link")]
)
def test_a_control_character_in_a_config_value_is_a_config_error_naming_its_line(tmp_path, key, char):
    text = with_value(key, f"https://x.example/a{char}b")
    config = write_config(tmp_path, base=text)
    with pytest.raises(ConfigError) as caught:
        load_settings(config)
    (problem,) = caught.value.problems
    assert text.splitlines()[problem.line - 1].startswith(f'"{key[-1]}" = ')
    assert f"holds the control character U+{ord(char):04X}" in problem.message
