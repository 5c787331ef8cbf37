"""A reminder's notes (who is on the alert, a late order) and an escalation read the same on
every channel, escaped for each."""

from __future__ import annotations

from bot.delivery.messages import digest_texts, render_notification
from core.delivery.content import read_notice
from core.delivery.templating import render_email, render_whatsapp, template_environment

PAYLOAD = {
    "alerts": [
        {
            "alert_id": 7,
            "item_name": "Green tea",
            "quantity": 3,
            "threshold": 5,
            "taken_by": "<b>Anna</b> & Co",
            "order": {
                "quantity": 48,
                "ordered_on": "2026-12-01",
                "due": "2026-12-04",
                "days_late": 2,
            },
        },
        {"alert_id": 8, "item_name": "Oat milk", "quantity": 0, "threshold": 4},
    ]
}
NOTES = "🙋 {name} is on it · ⏰ ordered 48 on 1 Dec, due 4 Dec: 2 days late"


def test_a_digest_says_who_is_on_an_alert_and_how_late_its_order_is_on_every_channel() -> None:
    notice = read_notice("reminder_digest", PAYLOAD)
    environment = template_environment()

    [telegram] = digest_texts(notice)
    email = render_email(environment, notice)
    whatsapp = render_whatsapp(environment, notice)

    plain = "3 left, below the threshold of 5 · " + NOTES.format(name="<b>Anna</b> & Co")
    assert (
        "3 left, below the threshold of 5 · "
        + NOTES.format(name="&lt;b&gt;Anna&lt;/b&gt; &amp; Co")
        in telegram
    )
    assert plain in email.text
    assert NOTES.format(name="&lt;b&gt;Anna&lt;/b&gt; &amp; Co") in email.html
    assert plain in whatsapp
    assert "Oat milk: out of stock, below the threshold of 4" in email.text


def test_an_escalation_says_for_how_long_the_alert_went_unhandled_on_every_channel() -> None:
    payload = {
        "alert_id": 7,
        "item_name": "Green <tea>",
        "quantity": 3,
        "threshold": 5,
        "unhandled_seconds": 4 * 3600,
    }
    notice = read_notice("escalation", payload)
    environment = template_environment()

    [telegram] = render_notification("escalation", payload)
    email = render_email(environment, notice)
    whatsapp = render_whatsapp(environment, notice)

    assert notice.summary == "Unhandled for 4 hours: Green <tea> (3 left)"
    assert telegram.text.startswith("🚨 <b>Unhandled for 4 hours: Green &lt;tea&gt;</b>")
    assert "3 left, below the threshold of 5" in telegram.text
    assert telegram.reply_markup is not None
    assert email.subject == notice.summary
    assert "Nobody has taken alert #7" in email.text
    assert "Green &lt;tea&gt;" in email.html
    assert whatsapp.startswith("*Unhandled for 4 hours*: Green <tea>, 3 left, below the")
