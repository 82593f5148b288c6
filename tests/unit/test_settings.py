"""converse.initialize settings validation and api.settings."""

from __future__ import annotations


import pytest

from converse_py.core.errors import SettingsError
from converse_py.core.settings import CORE_SETTINGS, Settings
from converse_py.dom.ui_declaration import UIDeclaration
from converse_py.plugins.core import FEATURE_PLUGIN_CLASSES

from .conftest import Client, arun


def every_setting() -> Settings:
    """Settings knowing the core's and every default plugin's declarations (as in the browser)."""
    settings = Settings()
    for plugin in (*FEATURE_PLUGIN_CLASSES, UIDeclaration):
        settings.extend(plugin.settings)
    return settings

SEED_EXAMPLE = {
    "allow_otr": True, "auto_list_rooms": False, "auto_subscribe": False,
    "bosh_service_url": "https://bind.example.com", "hide_muc_server": False, "i18n": "en",
    "keepalive": True, "play_sounds": True, "prebind": False, "show_controlbox_by_default": True,
    "debug": False, "roster_groups": True,
}


def test_every_setting_of_the_seed_example_is_accepted_and_stored() -> None:
    settings = every_setting()
    assert settings.update(SEED_EXAMPLE) == []
    for name, value in SEED_EXAMPLE.items():
        assert settings.get(name) == value


@pytest.mark.parametrize("name", ["jid", "password", "auto_login", "credentials_url", "prebind_url",
                                  "websocket_url", "auto_reconnect", "message_archiving",
                                  "whitelisted_plugins", "blacklisted_plugins"])
def test_the_other_required_settings_are_declared(name: str) -> None:
    assert name in every_setting().declared()


@pytest.mark.parametrize("name", ["allow_otr", "message_archiving", "muc_domain", "play_sounds", "ping_interval"])
def test_feature_settings_are_declared_by_their_plugin_not_the_core(name: str) -> None:
    assert name not in CORE_SETTINGS and name in every_setting().declared()


@pytest.mark.parametrize("name, value, message", [
    ("play_sounds", "yes", "play_sounds: expected a boolean, got str"),
    ("bosh_service_url", 5280, "bosh_service_url: expected a string or null, got int"),
    ("auto_login", 1, "auto_login: expected a boolean, got int"),
    ("whitelisted_plugins", "myplugin", "whitelisted_plugins: expected a list, got str"),
    ("message_archiving", "sometimes", "message_archiving: must be one of"),
    ("keepalive", None, "keepalive: expected a boolean, got NoneType"),
])
def test_a_wrong_type_raises_an_error_naming_the_setting(name: str, value: object, message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        every_setting().update({name: value})


def test_a_bad_value_changes_nothing() -> None:
    settings = every_setting()
    with pytest.raises(SettingsError):
        settings.update({"play_sounds": True, "debug": "loud"})
    assert settings.get("play_sounds") is False


def test_a_password_type_error_does_not_echo_the_password() -> None:
    with pytest.raises(SettingsError) as info:
        Settings().update({"password": ["hunter2"]})
    assert "hunter2" not in str(info.value)


def test_unknown_settings_are_reported_by_name_and_kept_for_plugins() -> None:
    client = Client(core_plugins=False)
    arun(client.converse.initialize({"play_sound": True, "my_plugin_colour": "red"}))
    assert any("'my_plugin_colour', 'play_sound'" in w for w in client.platform.warnings)
    client.api.settings.extend({"my_plugin_colour": "blue"})
    assert client.api.settings.get("my_plugin_colour") == "red"


def test_settings_set_accepts_a_key_and_value_or_an_object() -> None:
    client = Client(core_plugins=False)
    client.api.settings.set("play_sounds", True)
    assert client.api.settings.get("play_sounds") is True
    client.api.settings.set({"play_sounds": False, "hide_offline_users": True})
    assert (client.api.settings.get("play_sounds"), client.api.settings.get("hide_offline_users")) == (False, True)


def test_the_password_is_not_kept_in_settings() -> None:
    client = Client(core_plugins=False)
    arun(client.converse.initialize({"jid": "alice@localhost", "password": "Tr0ub4dor&3"}))
    assert client.api.settings.get("password") is None
    assert "Tr0ub4dor&3" not in repr(client.converse.settings.__dict__)


def test_initialize_twice_is_an_error() -> None:
    async def body() -> None:
        client = Client(core_plugins=False)
        await client.converse.initialize({})
        await client.converse.initialize({})
    with pytest.raises(Exception, match="already been called"):
        arun(body())
