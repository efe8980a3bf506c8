"""The talent pool: a company's own rejects who agreed to follow-ups, the follow-up and
new-opening alert mails and their texts.

Surface for the adapters: ``talent_pool``, ``timeline``, ``notes``, ``reapproach``,
``followups`` (the follow-ups and new-opening alerts), ``followup_policy`` (a company's delays
and switches). For the core only: ``mailing`` (what every pool mail goes through) and
``followup_mails`` (the texts).
"""
