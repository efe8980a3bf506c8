"""The network: the tag taxonomy, matching and who may see whom (eligibility, anonymised
cards), referrals and their fraud signals, the credit ledger, introductions.

Surface for the adapters: ``tags``, ``matching``, ``referrals``, ``credits``,
``introductions`` (requests) and ``introduction_answers`` (the answer page, accept, decline,
expiry), ``cards``; ``introduction_mails`` holds the request's mail; ``eligibility`` and
``referral_fraud`` hold rules the others use.
"""
