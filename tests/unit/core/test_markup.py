"""Platform markup: contact details in bold, and nothing the user or the knowledge base wrote turns into markup."""

from bot.channels.markup import slack_mrkdwn, telegram_html

LINE = "• India: 1800-419-2122 or 1800-419-3646 <b>&"


def test_slack_bolds_contacts_and_escapes_its_control_characters():
    assert slack_mrkdwn(LINE) == "• India: *1800-419-2122* or *1800-419-3646* &lt;b&gt;&amp;"


def test_telegram_bolds_contacts_and_escapes_html():
    assert telegram_html(LINE) == "• India: <b>1800-419-2122</b> or <b>1800-419-3646</b> &lt;b&gt;&amp;"
    assert telegram_html("write to Manager-Customerservicesindia@aexp.com") == \
        "write to <b>Manager-Customerservicesindia@aexp.com</b>"
