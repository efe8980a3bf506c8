"""Applications: a company's openings, applicants and applications, rejections with their
reasons and mail templates, and how an opening reads to a candidate.

Surface for the adapters: ``openings``, ``applicants``, ``records`` (applications and
their history), ``ats_import`` (the ATS import), ``rejections`` (reject, undo), ``reasons``,
``templates`` (the sandboxed rejection mail), ``opening_view``.
"""
