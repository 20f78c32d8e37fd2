-- The set of a user's account keys (added by this crate).
local function user_accounts(uid) return K_USER_ACCOUNTS .. uid end
