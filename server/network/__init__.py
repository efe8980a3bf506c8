"""The network: the tag taxonomy, matching and who may see whom (eligibility, anonymised
cards), referrals and their fraud signals, the credit ledger, introductions.

Surface for the adapters: ``tags``, ``matching``, ``referrals``, ``credits``,
``introductions``, ``cards``; ``eligibility`` and ``referral_fraud`` hold rules the others use.
"""
