"""The `RESTORE_ON_DELETE_TAGS` filter: parsing the setting and matching a resource group's tags."""

from __future__ import annotations

import pytest

from restore.settings import InvalidSettingError, read_settings
from restore.tags import parse_tag_filter, tag_filter_problems


def test_the_setting_names_tags_with_or_without_a_value() -> None:
    assert parse_tag_filter("") == {}
    assert parse_tag_filter(" env = prod , restore-on-delete ,,") == {"env": "prod", "restore-on-delete": None}
    assert parse_tag_filter("owner=") == {"owner": ""}
    assert read_settings({"RESTORE_ON_DELETE_TAGS": "env=prod"}).restore_on_delete_tags == {"env": "prod"}
    assert read_settings({}).restore_on_delete_tags == {}


@pytest.mark.parametrize("bad", ["=prod", "a/b=1", "a<b", "x=" + "v" * 257, "n" * 513])
def test_a_name_arm_would_refuse_is_a_setting_error(bad: str) -> None:
    with pytest.raises(InvalidSettingError) as err:
        read_settings({"RESTORE_ON_DELETE_TAGS": bad})
    assert err.value.names == ("RESTORE_ON_DELETE_TAGS",)


def test_names_match_in_any_case_and_values_exactly() -> None:
    tags = {"Env": "prod", "Owner": "ops"}
    assert tag_filter_problems({"env": "prod", "OWNER": None}, tags) == []
    assert tag_filter_problems({"env": "Prod"}, tags) == ["tag 'env' is not 'Prod'"]
    assert tag_filter_problems({"team": None}, tags) == ["no tag 'team'"]
    assert tag_filter_problems({"env": "prod"}, {}) == ["no tag 'env'"]
