"""The network: the tag taxonomy, matching and who may see whom (eligibility, anonymised
cards), referrals and their fraud signals, the credit ledger and settlement, introductions.

Surface for the adapters: ``tags``, ``taxonomy`` (the seed), ``matching``, ``scoring`` (tag
weights), ``referrals``, ``credits`` (the ledger), ``settlement`` (referrals into credits,
progress), ``introductions`` (requests) and ``introduction_answers`` (the answer page, accept,
decline, expiry), ``cards``; ``introduction_mails`` holds the request's mail; ``eligibility``
and ``referral_fraud`` hold rules the others use.
"""
