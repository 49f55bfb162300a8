"""cases.meta: the typed look-ups of model fields that services read columns and lengths from."""

import pytest

from cases.meta import concrete_field, max_length
from cases.models import ContentItem


def test_concrete_field_returns_the_field_and_refuses_a_reverse_relation():
    assert concrete_field(ContentItem, "url") is ContentItem._meta.get_field("url")
    assert concrete_field(ContentItem(), "title").name == "title"
    with pytest.raises(TypeError, match="cases.ContentItem.assessments is not a concrete field"):
        concrete_field(ContentItem, "assessments")


def test_max_length_is_the_fields_limit_and_refuses_a_field_without_one():
    assert max_length(ContentItem, "url") == ContentItem._meta.get_field("url").max_length == 2000
    with pytest.raises(TypeError, match="cases.ContentItem.text has no max_length"):
        max_length(ContentItem, "text")
