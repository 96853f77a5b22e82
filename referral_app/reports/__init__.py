"""Reports for managers, community leaders and admins (DESIGN §5).

``scope`` says which referrals a user's report covers, ``queries`` computes the
figures in SQL, ``exports`` writes CSV and XLSX files, ``views`` is the blueprint.
"""
