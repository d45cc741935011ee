import pytest

from apps.tags import selectors
from apps.users.models import User
from tests.tags.factories import OfficialTagFactory, TagBindingFactory, TagFactory
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db


def bind(tag, *biz_ids, biz="article"):
    for biz_id in biz_ids:
        TagBindingFactory(tag=tag, biz=biz, biz_id=biz_id)


def test_names_for_resources_in_one_query_sorted_with_empty_lists(django_assert_num_queries):
    bind(TagFactory(name="zeta"), 1, 2)
    bind(OfficialTagFactory(name="Alpha"), 1)
    bind(TagFactory(name="beta"), 1, 3)
    bind(TagFactory(name="Other Kind"), 1, biz="comment")

    with django_assert_num_queries(1):
        names = selectors.tag_names_for_resources(biz="article", biz_ids=[1, 2, 3, 4])

    assert names == {1: ["Alpha", "beta", "zeta"], 2: ["zeta"], 3: ["beta"], 4: []}


def test_names_for_no_resources_is_empty_without_a_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert selectors.tag_names_for_resources(biz="article", biz_ids=[]) == {}


def test_tag_ids_for_name_finds_the_official_and_every_users_tag(django_assert_num_queries):
    official = OfficialTagFactory(name="Graphs")
    first = TagFactory(name="graphs")
    second = TagFactory(name="GRAPHS")
    TagFactory(name="Graph")

    with django_assert_num_queries(1):
        ids = selectors.tag_ids_for_name(name="  graphs ")

    assert ids == sorted([official.pk, first.pk, second.pk])


@pytest.mark.parametrize("name", ["", "   ", "x" * 33, "a/b", "unknown"])
def test_tag_ids_for_a_name_no_tag_can_have_is_empty(name):
    TagFactory(name="Graphs")

    assert selectors.tag_ids_for_name(name=name) == []


def test_bound_resource_ids_filter_resources_by_tag_in_one_query(django_assert_num_queries):
    graphs, optics = TagFactory(name="Graphs"), TagFactory(name="Optics")
    first, second, third = UserFactory(), UserFactory(), UserFactory()
    bind(graphs, first.pk, second.pk, biz="user")
    bind(optics, second.pk, biz="user")
    bind(graphs, third.pk, biz="article")

    ids = selectors.tag_bound_resource_ids(biz="user", tag_ids=[graphs.pk, optics.pk])
    with django_assert_num_queries(1):
        found = list(User.objects.filter(id__in=ids).order_by("id"))

    assert found == [first, second]


def test_tag_list_for_anyone_is_the_official_tags_newest_first():
    first, second = OfficialTagFactory(name="A"), OfficialTagFactory(name="B")
    TagFactory()

    assert list(selectors.tag_list()) == [second, first]


def test_tag_list_for_a_user_adds_their_own_and_mine_keeps_only_those():
    user, other = UserFactory(), UserFactory()
    official = OfficialTagFactory()
    own = TagFactory(owner=user)
    TagFactory(owner=other)

    assert list(selectors.tag_list(user=user)) == [own, official]
    assert list(selectors.tag_list(user=user, mine=True)) == [own]
    assert list(selectors.tag_list(mine=True)) == []


def test_tag_list_filters_by_case_insensitive_prefix():
    machine = OfficialTagFactory(name="Machine Learning")
    OfficialTagFactory(name="Deep Machines")
    macro = OfficialTagFactory(name="MACRO")

    assert list(selectors.tag_list(query="MA")) == [macro, machine]
    assert list(selectors.tag_list(query="machine  l")) == [machine]
    assert list(selectors.tag_list(query="  ")) == list(selectors.tag_list())


def test_tag_list_prefix_treats_like_wildcards_literally():
    percent = OfficialTagFactory(name="100% Pure")
    OfficialTagFactory(name="1000 Genomes")
    underscore = OfficialTagFactory(name="a_b")
    OfficialTagFactory(name="axb")

    assert list(selectors.tag_list(query="100%")) == [percent]
    assert list(selectors.tag_list(query="a_")) == [underscore]


def test_search_documents_page_through_every_tag_in_id_order():
    user = UserFactory()
    official = OfficialTagFactory(name="Graphs")
    own = TagFactory(owner=user, name="Sheaves")

    first = selectors.tag_search_documents(limit=1)
    rest = selectors.tag_search_documents(after_id=official.pk)

    assert first == [
        {
            "doc_type": "tag",
            "doc_id": str(official.pk),
            "op": "upsert",
            "fields": {"name": "Graphs", "official": True, "owner_id": None},
        }
    ]
    assert [doc["fields"] for doc in rest] == [
        {"name": "Sheaves", "official": False, "owner_id": user.pk}
    ]
    assert rest[0]["doc_id"] == str(own.pk)
