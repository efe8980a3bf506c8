"""Applications: a company's openings, applicants and applications, rejections with their
reasons and mail templates, and how an opening reads to a candidate.

Surface for the adapters: ``openings``, ``opening_search``, ``applicants``, ``records``
(applications and their history), ``search``, ``exports``, ``ats_import`` (the ATS import),
``ats_reader`` (an ATS export's headers and rows) and ``ats_files`` (its encodings and Excel),
``import_uploads`` (the console's uploads), ``rejections`` (decide, reject, undo),
``rejection_view``, ``reasons``, ``templates`` (the sandboxed rejection mail),
``opening_view``. For the core only: ``ats_writes`` (the import's writes) and
``rejection_mails`` (the rejection mail, one per person per company per day).
"""
