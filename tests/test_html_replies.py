"""HTML-only replies become text (inscriptis, Apache-2.0): quoted history stays recognisable."""

from __future__ import annotations

from mailbot.inbound.parse import html_to_text, parse
from mailbot.inbound.quotes import new_words

GMAIL_HTML = (
    '<div dir="ltr">We will pay on Friday.<br><b>Thanks</b>, Jane'
    '<img src="cid:sig" alt="logo"> <a href="https://evil.example/x">our site</a></div><br>'
    '<div class="gmail_quote"><div>On Mon, 2 Nov 2026 Muster Design wrote:</div>'
    '<blockquote class="gmail_quote" style="margin:0 0 0 .8ex">'
    "<p>Invoice 2026-001 is paid now, thank you</p><p>Kind regards</p></blockquote></div>"
)


def test_html_reply_keeps_words_and_drops_markup_images_and_link_targets():
    text = html_to_text(GMAIL_HTML)
    assert "We will pay on Friday." in text and "Thanks, Jane" in text and "our site" in text
    assert "<" not in text and "evil.example" not in text and "logo" not in text


def test_html_blockquote_lines_are_marked_as_quoted_and_cut():
    text = html_to_text(GMAIL_HTML)
    assert "> Invoice 2026-001 is paid now, thank you" in text.splitlines()
    words = new_words(text)
    assert "pay on Friday" in words and "paid now" not in words


def test_html_only_mail_is_read_through_parse():
    raw = (
        "From: Jane <ap@acme.example>\r\nTo: billing@muster-design.example\r\nSubject: Re: Invoice\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + GMAIL_HTML + "\r\n"
    ).encode()
    assert "We will pay on Friday." in parse(raw).text


def test_broken_html_never_raises():
    assert "paid" in html_to_text("<div><p>paid<blockquote><b>x</div></p>&#xZZ;<")
