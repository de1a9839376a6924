"""The public directory («درباره ما»): units in their hierarchy and the people holding a position,
with public contact details only."""

import re

import pytest
from django.contrib.auth import get_user_model

from chatdesk.desk.people import public_directory
from chatdesk.directory.models import Official

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree(make_unit, make_official):
    top = make_unit("ریاست دانشگاه", code="presidency", kind="presidency", phone="086-33333333", email="riasat@daneshgah.example")
    treatment = make_unit("معاونت درمان", code="treatment", parent=top, kind="deputy", menu_order=1,
                          description="توزیع نیروی متخصص")
    hospital = make_unit("بیمارستان ولیعصر", code="hospital", parent=treatment, menu_order=2)
    make_unit("واحد غیرفعال", code="gone", is_active=False)
    deputy = make_official("deputy", [treatment], name="دکتر سارا نوری", status=Official.Status.AVAILABLE)
    Official.objects.filter(pk=deputy.pk).update(position="معاون درمان", public_phone="086-32222200", public_email="darman@daneshgah.example")
    treatment.manager = deputy
    treatment.save()
    clerk = make_official("secret-user", [treatment], name="زهرا رضایی")
    Official.objects.filter(pk=clerk.pk).update(position="کارشناس توزیع نیروی تخصصی")
    clerk.user.email = "private.home@mail.example"
    clerk.user.save()
    make_official("no-position", [treatment], name="بدون سمت")
    gone = make_official("left", [hospital], name="کارمند رفته")
    Official.objects.filter(pk=gone.pk).update(position="پرستار")
    get_user_model().objects.filter(username="left").update(is_active=False)
    return top, treatment, hospital


def test_units_come_depth_first_with_their_people_manager_first(tree):
    units = public_directory()
    assert [(u.name, u.depth) for u in units] == [("ریاست دانشگاه", 0), ("معاونت درمان", 1), ("بیمارستان ولیعصر", 2)]
    treatment = units[1]
    assert [(p.name, p.position, p.is_manager) for p in treatment.people] == [
        ("دکتر سارا نوری", "معاون درمان", True),
        ("زهرا رضایی", "کارشناس توزیع نیروی تخصصی", False),
    ]
    assert units[2].people == []  # the one person there is no longer active


def test_directory_page_shows_public_contacts_and_leaks_nothing_private(client, tree):
    response = client.get("/directory/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="fa" dir="rtl">' in html and " style=" not in html
    for text in ("ریاست دانشگاه", "معاونت درمان", "بیمارستان ولیعصر", "دکتر سارا نوری", "معاون درمان", "۰۸۶-۳۲۲۲۲۲۰۰",
                 "darman@daneshgah.example", "riasat@daneshgah.example", "۰۸۶-۳۳۳۳۳۳۳۳", "توزیع نیروی متخصص"):
        assert text in html, text
    # Never: usernames, private email, duty status, role, people without a position, inactive people or units.
    for text in ("secret-user", "deputy", "private.home@mail.example", "آماده پاسخ‌گویی", "خارج از کشیک", "کارشناس<",
                 "سرپرست", "بدون سمت", "کارمند رفته", "واحد غیرفعال", "pass-"):
        assert text not in html, text
    assert not re.search(r"086-3", html)  # phone numbers in Persian digits only
    assert html.index("دکتر سارا نوری") < html.index("زهرا رضایی")


def test_the_selector_hands_out_public_fields_only(tree):
    person = public_directory()[1].people[0]
    # meet_id: the person's id in the public meeting form's list (None unless a citizen may ask to meet them)
    assert set(vars(person)) == {"name", "position", "phone", "email", "is_manager", "meet_id"}
    unit = public_directory()[1]
    assert set(vars(unit)) == {"id", "name", "kind", "description", "phone", "email", "depth", "chat", "people"}


def test_live_chat_link_only_for_units_in_the_menu(client, tree):
    top, treatment, hospital = tree
    top.show_in_menu = False
    top.save()
    html = client.get("/directory/").content.decode()
    assert f'href="/?unit={treatment.pk}#chat"' in html and f'href="/?unit={top.pk}#chat"' not in html


def test_names_typed_in_the_admin_are_stripped_and_isolated(client, tree):
    _, treatment, _ = tree
    Official.objects.filter(display_name="دکتر سارا نوری").update(display_name="\u202eدکتر سارا\u202c نوری\u200f")
    html = client.get("/directory/").content.decode()
    assert '<bdi class="person-name fw-semibold" dir="auto">دکتر سارا نوری</bdi>' in html
    assert not re.search("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\u200b\u200d\u2060\ufeff]", html)
