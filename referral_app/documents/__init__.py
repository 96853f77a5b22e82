"""Clinical documents attached to referrals: sealing, storage, types, thumbnails."""
