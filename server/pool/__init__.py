"""The talent pool: a company's own rejects who agreed to follow-ups, the follow-up and
new-opening alert mails and their texts.

Surface for the adapters: ``talent_pool``, ``followups``; ``followup_mails`` holds the texts.
"""
