"""Candidates: the person's side. Registration from a referral or a company's /join link,
consent, the portal (/me: profile, pause, withdrawal, erasure), consent reconfirmation and
re-application from the talent pool.

Surface for the adapters: ``registration``, ``join``, ``consent``, ``portal``, ``profiles``,
``pause``, ``reconfirm``, ``reapply``; ``registration_mails`` is internal.
"""
