"""Console members over GraphQL: the operator creates a company with its owner; the company's
key invites, changes roles and removes; each answer has userErrors for bad input."""

from __future__ import annotations

from server.models import MailKind, MailMessage, Member, MemberRole

CREATE = """mutation($input: CreateCompanyInput!) {
  createCompany(input: $input) { company { id } userErrors { field code } } }"""
INVITE = """mutation($input: InviteMemberInput!) {
  inviteMember(input: $input) { member { id email role joinedAt } userErrors { field code } } }"""
REMOVE = """mutation($input: MemberIdInput!) {
  removeMember(input: $input) { member { id } userErrors { field code } } }"""
RESEND = """mutation($input: MemberIdInput!) {
  resendInvitation(input: $input) { member { id } userErrors { field code } } }"""
MEMBERS = "{ members { email role name } }"


async def test_the_operator_creates_a_company_with_its_first_owner(operator):
    created = await operator(
        CREATE,
        {
            "input": {
                "name": "株式会社オーナー",
                "ownerEmail": "Boss@Example.jp",
                "ownerName": "社長",
            }
        },
    )
    assert created["createCompany"]["userErrors"] == []
    owner = await Member.get(email="boss@example.jp")
    assert owner.role == MemberRole.OWNER
    [mail] = await MailMessage.filter(kind=MailKind.MEMBER_SIGN_IN)
    assert mail.recipient == "boss@example.jp"
    assert "社長様" in mail.body_text and "/app/sign-in/" in mail.body_text

    # the operator can mail the invitation again (a lost mail)
    resent = await operator(RESEND, {"input": {"memberId": _gid(owner.id)}})
    assert resent["resendInvitation"]["userErrors"] == []
    assert await MailMessage.filter(kind=MailKind.MEMBER_SIGN_IN).count() == 2


def _gid(member_id: int) -> str:
    from strawberry.relay import to_base64

    return to_base64("Member", member_id)


async def test_a_company_key_invites_lists_and_removes(company_a, company_b):
    invited = await company_a(
        INVITE, {"input": {"email": "hr@example.jp", "name": "人事", "role": "VIEWER"}}
    )
    member = invited["inviteMember"]["member"]
    assert member["role"] == "VIEWER" and member["joinedAt"] is None
    assert (await company_a(MEMBERS))["members"] == [
        {"email": "hr@example.jp", "role": "VIEWER", "name": "人事"}
    ]
    assert (await company_b(MEMBERS))["members"] == []

    bad = await company_a(INVITE, {"input": {"email": "not an address"}})
    assert bad["inviteMember"]["userErrors"] == [{"field": ["input", "email"], "code": "INVALID"}]

    # another company cannot remove it
    foreign = await company_b(REMOVE, {"input": {"memberId": member["id"]}})
    assert foreign["removeMember"]["userErrors"][0]["code"] == "NOT_FOUND"
    removed = await company_a(REMOVE, {"input": {"memberId": member["id"]}})
    assert removed["removeMember"]["userErrors"] == []
    assert (await company_a(MEMBERS))["members"] == []


async def test_the_audit_log_names_the_member_who_acted(operator, console_member):
    member = await console_member()
    await member.post("/app/members/invite", {"email": "new@example.jp"}, form_page="/app/members")
    data = await operator(
        """{ operator { auditLog(action: "member.invite", first: 5) {
             edges { node { action member { email role } } } } } }"""
    )
    nodes = [e["node"] for e in data["operator"]["auditLog"]["edges"]]
    # the console's invitation names the owner; the fixture's own was made without a member
    assert {"action": "member.invite", "member": {"email": member.email, "role": "OWNER"}} in nodes
    assert {"action": "member.invite", "member": None} in nodes
