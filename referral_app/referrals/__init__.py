"""Referrals: filing, the incoming and outgoing lists, the referral page."""
