"""An operator finds a candidate by email (a request by mail) and the mails held for them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from server.models import AuditEvent, Candidate, MailKind, MailMessage, MailStatus

FIND = """
query ($email: String!) { operator { candidate(email: $email) {
  id displayName email sharing erasedAt
} } }
"""
HELD = """
query ($candidateId: ID, $email: String) { operator { mailQueue {
  held(candidateId: $candidateId, email: $email) { kind subject company sendAfter }
} } }
"""
PROVISIONS = """
query ($id: ID!) { operator { provisionRecords(candidateId: $id) { totalCount } } }
"""


async def _person(email: str = "Hanako.Sato@example.jp") -> Candidate:
    return await Candidate.create(
        email=email, email_normalized=email.lower(), display_name="佐藤 花子", sharing=True
    )


async def _mail(n: int, recipient: str, send_after: datetime, **fields) -> MailMessage:
    return await MailMessage.create(
        kind=fields.pop("kind", MailKind.FOLLOW_UP),
        recipient=recipient,
        subject=f"件名{n}",
        body_text="本文",
        dedupe_key=f"held-test:{n}",
        send_after=send_after,
        **fields,
    )


async def test_operator_finds_a_candidate_by_email_as_typed_in_a_mail(operator):
    person = await _person()

    data = await operator(FIND, {"email": " ＨＡＮＡＫＯ.sato@EXAMPLE.jp "})

    found = data["operator"]["candidate"]
    assert found["displayName"] == "佐藤 花子"
    assert found["email"] == "Hanako.Sato@example.jp"
    assert found["sharing"] is True and found["erasedAt"] is None
    # the id is the one the other operator fields take
    records = await operator(PROVISIONS, {"id": found["id"]})
    assert records["operator"]["provisionRecords"]["totalCount"] == 0
    event = await AuditEvent.get(action="candidate.lookup")
    assert event.target_id == str(person.id)


async def test_an_unknown_email_finds_nobody(operator):
    data = await operator(FIND, {"email": "nobody@example.jp"})
    assert data["operator"]["candidate"] is None


async def test_mail_queue_lists_the_mails_held_for_one_person(operator, company_a):
    now = datetime.now(UTC)
    person = await _person()
    await _mail(
        1,
        "Hanako.Sato@example.jp",
        now + timedelta(days=3),
        candidate_id=person.id,
        company_id=company_a.company_id,
    )
    await _mail(2, "hanako.sato@example.jp", now + timedelta(days=1))  # by address only
    await _mail(3, "hanako.sato@example.jp", now - timedelta(minutes=1))  # due: not held
    await _mail(4, "hanako.sato@example.jp", now + timedelta(days=2), status=MailStatus.SENT)
    await _mail(5, "someone@example.jp", now + timedelta(days=1))  # another person

    by_email = await operator(HELD, {"email": "HANAKO.SATO@example.jp"})
    found = await operator(FIND, {"email": "hanako.sato@example.jp"})
    by_id = await operator(HELD, {"candidateId": found["operator"]["candidate"]["id"]})

    held = by_email["operator"]["mailQueue"]["held"]
    assert [m["subject"] for m in held] == ["件名2", "件名1"]
    assert held[1]["company"] == "株式会社エー" and held[1]["kind"] == "FOLLOW_UP"
    assert [m["subject"] for m in by_id["operator"]["mailQueue"]["held"]] == ["件名1"]
    nobody = await operator(HELD, {})
    assert nobody["operator"]["mailQueue"]["held"] == []
