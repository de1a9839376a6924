"""Saved replies (chats/replies.py): who may change which, Persian-normalised search keys, and
bad input (too long, an unknown placeholder) refused with a Persian error that changes nothing."""

import pytest

from chatdesk.chats import replies
from chatdesk.chats.models import SavedReply
from chatdesk.core import events, realtime
from chatdesk.core.errors import NotFound, ValidationError
from chatdesk.directory.models import Official

pytestmark = pytest.mark.django_db


def frames(record):
    return [(g, m["frame"]) for g, m in record if m["type"] == events.LAYER_EVENT]


def test_personal_reply_is_the_officials_own_and_found_with_arabic_letters(unit, make_official, django_capture_on_commit_callbacks):
    official = make_official("rezaei", [unit])
    other = make_official("karimi", [unit])
    with realtime.captured() as record, django_capture_on_commit_callbacks(execute=True):
        reply = replies.saved_reply_save(official=official, shortcut="/سلام", title="خوشامد", body="سلام {نام}، کد پیگیری شما {کد_پیگیری} است.")
    assert (reply.shortcut, reply.owner_id, reply.unit_id) == ("سلام", official.pk, None)
    # ي and ك typed on an Arabic keyboard find the Persian ی and ک (persian.search_key)
    assert "پیگیری" in reply.search_key and "كد" not in reply.search_key
    assert frames(record) == [(realtime.group_official(official.pk), {"type": events.REPLIES_CHANGED})]
    assert [r.pk for r in replies.replies_for_official(official)] == [reply.pk]
    assert replies.replies_for_official(other) == []
    with pytest.raises(NotFound):
        replies.saved_reply_delete(official=other, reply_id=reply.pk)
    with pytest.raises(NotFound):
        replies.saved_reply_save(official=other, reply_id=reply.pk, shortcut="x", title="x", body="x")
    assert SavedReply.objects.get().body.startswith("سلام {نام}")


def test_unit_replies_are_managed_by_supervisors_and_seen_by_the_units_officials(unit, other_unit, make_official, django_capture_on_commit_callbacks):
    supervisor = make_official("moradi", [unit], role=Official.Role.SUPERVISOR)
    official = make_official("rezaei", [unit])
    outsider = make_official("karimi", [other_unit])
    with realtime.captured() as record, django_capture_on_commit_callbacks(execute=True):
        reply = replies.saved_reply_save(official=supervisor, unit_id=unit.pk, shortcut="ساعت", title="ساعت کاری", body="ساعت کاری ۸ تا ۱۴ است.")
    assert frames(record) == [(realtime.group_unit(unit.pk), {"type": events.REPLIES_CHANGED})]
    assert [r.pk for r in replies.replies_for_official(official)] == [reply.pk]
    assert replies.replies_for_official(outsider) == []
    frame = replies.replies_frame(official)
    assert frame["replies"][0]["editable"] is False and frame["units"] == []
    assert replies.replies_frame(supervisor)["replies"][0]["editable"] is True
    with pytest.raises(ValidationError) as refused:
        replies.saved_reply_save(official=official, unit_id=unit.pk, shortcut="دیگر", title="x", body="x")
    assert refused.value.code == "forbidden" and "سرپرست" in refused.value.message
    with pytest.raises(ValidationError):
        replies.saved_reply_delete(official=official, reply_id=reply.pk)
    # another unit's reply: the same answer as a missing one
    with pytest.raises(NotFound):
        replies.saved_reply_delete(official=outsider, reply_id=reply.pk)
    with pytest.raises(NotFound):
        replies.saved_reply_save(official=supervisor, unit_id=other_unit.pk, shortcut="y", title="y", body="y")
    replies.saved_reply_delete(official=supervisor, reply_id=reply.pk)
    assert not SavedReply.objects.exists()


@pytest.mark.parametrize(
    "fields, field, words",
    [
        ({"body": "ب" * (replies.BODY_MAX + 1)}, "body", "حداکثر ۱۰۰۰ نویسه"),
        ({"body": "سلام {نام_خانوادگی}"}, "body", "«{نام_خانوادگی}» شناخته نیست"),
        ({"body": "سلام {نام"}, "body", "شناخته نیست"),
        ({"body": "   "}, "body", "متن پاسخ آماده را بنویسید"),
        ({"shortcut": "دو کلمه"}, "shortcut", "یک کلمه"),
        ({"shortcut": "الف" * 11}, "shortcut", "حداکثر ۳۰ نویسه"),
        ({"title": ""}, "title", "عنوان"),
        ({"title": "ع" * 81}, "title", "حداکثر ۸۰ نویسه"),
        ({"body": ["not", "text"]}, "body", "متن پاسخ آماده را بنویسید"),
    ],
)
def test_bad_input_gets_a_persian_error_and_changes_nothing(unit, make_official, fields, field, words):
    official = make_official("rezaei", [unit])
    existing = replies.saved_reply_save(official=official, shortcut="سلام", title="خوشامد", body="سلام {نام}")
    data = {"shortcut": "تازه", "title": "عنوان", "body": "متن", **fields}
    with pytest.raises(ValidationError) as refused:
        replies.saved_reply_save(official=official, **data)
    assert refused.value.field == field and words in refused.value.message
    with pytest.raises(ValidationError):
        replies.saved_reply_save(official=official, reply_id=existing.pk, **data)
    assert list(SavedReply.objects.values_list("shortcut", "body")) == [("سلام", "سلام {نام}")]


def test_a_shortcut_once_per_owner(unit, make_official):
    official = make_official("rezaei", [unit])
    replies.saved_reply_save(official=official, shortcut="سلام", title="خوشامد", body="سلام")
    with pytest.raises(ValidationError) as refused:
        replies.saved_reply_save(official=official, shortcut="/سلام", title="دیگر", body="دیگر")
    assert "پیش‌تر به کار رفته" in refused.value.message
    assert SavedReply.objects.count() == 1


def test_admin_form_uses_the_same_rules(unit, make_official):
    from chatdesk.chats.admin import SavedReplyForm

    official = make_official("rezaei", [unit])
    form = SavedReplyForm(data={"unit": unit.pk, "shortcut": "x", "title": "x", "body": "سلام {ایمیل}"})
    assert not form.is_valid() and "شناخته نیست" in form.errors["body"][0]
    both = SavedReplyForm(data={"unit": unit.pk, "owner": official.pk, "shortcut": "x", "title": "x", "body": "x"})
    assert not both.is_valid()
    good = SavedReplyForm(data={"unit": unit.pk, "shortcut": "/x", "title": "x", "body": "سلام {نام}"})
    assert good.is_valid(), good.errors
    assert good.cleaned_data["shortcut"] == "x"
